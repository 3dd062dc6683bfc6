// Package scan is the dip/scan check: secrets written into platform
// requests, and the findings of external scanners run over the rendered
// output.
//
// # Secrets
//
// Secrets scans every request file in scope, as written, with gitleaks'
// default rules (cloud keys, private keys, GitHub and Slack tokens, generic
// API keys and passwords, among many), decoding base64, hex and percent
// encoded text as the gitleaks command does. Each finding is a failure
// annotation at the line and column where the secret starts, with the rule
// "secrets.<gitleaks rule id>". Its message says what kind of secret it is
// and which field holds it, never the secret, and tells the author to
// remove and rotate it and to ask for the value with a Secret request.
//
// A false positive is silenced by a comment on its line:
//
//	checksum: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b  # gitleaks:allow
//
// For a secret spanning lines, such as a PEM block, the comment may be on
// any line of it.
//
// # External scanners
//
// A platform configures scanners in platform.yaml:
//
//	scanners:
//	  - name: kube-score
//	    command: kube-score
//	    args: [score, --output-format, sarif, "{dir}"]
//	    timeoutSeconds: 120
//
// External runs one over a directory of rendered files and reads SARIF
// 2.1.0 from its standard output; "{dir}" (DirPlaceholder) in an argument
// is replaced by that directory, which is also the working directory. See
// External for the bounds a scanner runs within. A scanner that cannot
// give a verdict makes the check neutral, never a silent pass.
package scan
