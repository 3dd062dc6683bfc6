package renderers

// Version names what these renderers write. dip serve records it in every
// render commit's Dip-Renderer trailer, so that dip audit --verify tells a
// tree rendered by other renderers (an upgrade of dip) from one changed by
// hand. Bump it with every change that may change rendered bytes:
// TestVersion fails when a golden output changes while it stays the same.
const Version = "1"
