package pipeline

import (
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs/gitfs"
)

// RepoFiles are the files and directories of a platform repo whose blobs
// an incremental check needs (CheckOptions.HeadBlobs and BaseBlobs).
var RepoFiles = []string{platform.PlatformFile, platform.TeamsDir, platform.RequestsDir}

// TreeBlobs returns the blobs of tree's RepoFiles, their ids taken from
// the commit's git trees: no file is read or hashed.
func TreeBlobs(tree *gitfs.FS) (Blobs, error) {
	hashes, err := tree.Blobs(RepoFiles...)
	if err != nil {
		return nil, err
	}
	return HashBlobs(hashes), nil
}

// HashBlobs turns git blob hashes by path into Blobs.
func HashBlobs(hashes map[string]plumbing.Hash) Blobs {
	out := make(Blobs, len(hashes))
	for p, h := range hashes {
		out[p] = string(h[:])
	}
	return out
}
