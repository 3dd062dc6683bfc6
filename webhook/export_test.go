package webhook

// OctokitExamples gives the external tests GitHub's published examples.
var OctokitExamples = octokitExamples
