package policy

import (
	"fmt"
	"time"

	"github.com/dipdev/dip/checks"
)

// DefaultExpiringWithin is how many days before its expiry an exception in
// force is warned of.
const DefaultExpiringWithin = 30

// Expiring warns, on its line, of every exception of v in force that
// expires within the next within days of today (YYYY-MM-DD): it fails the
// policy check once it has expired. A warning is not a failure.
func Expiring(v *Verdict, today string, within int) []checks.Annotation {
	day, err := time.Parse(time.DateOnly, today)
	if err != nil || within <= 0 {
		return nil
	}
	var out []checks.Annotation
	for _, group := range [][]Applied{v.Exceptions, v.Unused} {
		for _, a := range group {
			ends, err := time.Parse(time.DateOnly, a.Exception.Expires)
			if err != nil {
				continue
			}
			left := int(ends.Sub(day).Hours() / 24)
			if left < 0 || left >= within {
				continue
			}
			when := fmt.Sprintf("in %d days", left)
			switch left {
			case 0:
				when = "at the end of today"
			case 1:
				when = "tomorrow"
			}
			out = append(out, checks.Annotation{Pos: a.Exception.Pos, Level: checks.LevelWarning,
				Rule: "policy.exception", Title: "Exception expires soon",
				Message: fmt.Sprintf("exception to %s expires %s (%s); then the policy fails this request: fix what it excuses, or renew it with a new reason and date",
					a.Exception.Policy, when, a.Exception.Expires)})
		}
	}
	return out
}
