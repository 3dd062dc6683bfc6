package audit

import (
	"fmt"
	"slices"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs/gitfs"
)

// Standing of an exception on the default branch.
const (
	Holding  = "in-force"
	Expiring = "expiring"
	Expired  = "expired"
)

// Held is an exception a request on the default branch holds.
type Held struct {
	Request string `json:"request"`
	Kind    string `json:"kind"`
	Team    string `json:"team"`
	Policy  string `json:"policy"`
	Reason  string `json:"reason"`
	Expires string `json:"expires"`
	// Standing is Holding, Expiring (within the window) or Expired.
	Standing string `json:"standing"`
	// DaysLeft counts the days it still holds after today; negative once
	// expired.
	DaysLeft int `json:"days_left"`
	// AddedIn is the render commit that first recorded the exception, as
	// it is now, and Pulls the pull requests merged with it; empty when
	// no render commit records it.
	AddedIn string `json:"added_in,omitempty"`
	Source  string `json:"source_commit,omitempty"`
	Pulls   []Pull `json:"pull_requests"`
}

// ExceptionReport lists the exceptions of the default branch's head.
type ExceptionReport struct {
	Branch string `json:"branch"`
	Commit string `json:"commit"`
	Today  string `json:"today"`
	// Within is the window, in days, in which an exception is Expiring.
	Within     int       `json:"expiring_within_days"`
	Exceptions []Held    `json:"exceptions"`
	Problems   []Problem `json:"problems"`
}

// Exceptions lists every exception of the requests at head, the default
// branch's, with who approved the pull requests of the render commit that
// first recorded it in h (which may be nil: no output branch). Exceptions
// expiring within the next within days are Expiring; those past are
// Expired.
func Exceptions(r *git.Repository, branch string, head plumbing.Hash, h *History, today time.Time, within int) (*ExceptionReport, error) {
	fsys, err := gitfs.New(r, head)
	if err != nil {
		return nil, err
	}
	src, err := platform.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", branch, short(head), err)
	}
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	rep := &ExceptionReport{Branch: branch, Commit: head.String(), Today: today.Format(time.DateOnly), Within: within, Exceptions: []Held{}, Problems: []Problem{}}
	added := firstRecorded(h)
	for _, doc := range src.Requests {
		req, err := platform.DecodeRequest(doc)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{head.String(), fmt.Sprintf("%s: %v", doc.File, err)})
			continue
		}
		for _, ex := range req.Exceptions {
			held := Held{Request: req.File, Kind: req.Kind, Team: teamOf(req.File), Policy: ex.Policy, Reason: ex.Reason, Expires: ex.Expires, Pulls: []Pull{}}
			day, err := time.Parse(time.DateOnly, ex.Expires)
			if err != nil {
				rep.Problems = append(rep.Problems, Problem{head.String(), fmt.Sprintf("%s: exception to %s: expiry %q is not a date", req.File, ex.Policy, ex.Expires)})
				continue
			}
			held.DaysLeft = int(day.Sub(today).Hours() / 24)
			switch {
			case held.DaysLeft < 0:
				held.Standing = Expired
			case held.DaysLeft < within:
				held.Standing = Expiring
			default:
				held.Standing = Holding
			}
			if c := added[Exception{Request: req.File, Policy: ex.Policy, Expires: ex.Expires}]; c != nil {
				held.AddedIn, held.Source, held.Pulls = c.Hash.String(), c.Trail.Source, c.Trail.Pulls
				if held.Pulls == nil {
					held.Pulls = []Pull{}
				}
			}
			rep.Exceptions = append(rep.Exceptions, held)
		}
	}
	slices.SortFunc(rep.Exceptions, func(a, b Held) int {
		return compareExceptions(Exception{a.Request, a.Policy, a.Expires}, Exception{b.Request, b.Policy, b.Expires})
	})
	return rep, nil
}

// firstRecorded maps each exception the last render commit of h records to
// the commit that began its unbroken run of render commits recording it:
// the render of the change that added it, or renewed it with a new expiry.
func firstRecorded(h *History) map[Exception]*Commit {
	active := map[Exception]*Commit{}
	if h == nil {
		return active
	}
	for _, c := range h.Commits {
		if c.Trail == nil {
			continue
		}
		now := make(map[Exception]bool, len(c.Trail.Exceptions))
		for _, ex := range c.Trail.Exceptions {
			now[ex] = true
			if active[ex] == nil {
				active[ex] = c
			}
		}
		for ex := range active {
			if !now[ex] {
				delete(active, ex)
			}
		}
	}
	return active
}
