package terraform

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"

	"github.com/dipdev/dip/platform"
)

// maxTXTString is the longest character-string a TXT record holds; longer
// values are split into several strings of one record.
const maxTXTString = 255

// renderDNSRecord renders a record in an existing public hosted zone. Route
// 53 records cannot carry tags, so the record is the one rendered resource
// without them; the request's path still names it in the rendered tree.
func renderDNSRecord(m *module, spec *platform.DNSRecordSpec) error {
	switch spec.Type {
	case "A", "AAAA", "CNAME", "TXT":
	default:
		return fmt.Errorf("unsupported record type %q", spec.Type)
	}
	if len(spec.Values) == 0 {
		return fmt.Errorf("record %q has no values", spec.Record)
	}
	zone := m.data("aws_route53_zone", "this")
	zone.SetAttributeValue("name", cty.StringVal(spec.Zone))
	zone.SetAttributeValue("private_zone", cty.False)

	values := spec.Values
	if spec.Type == "TXT" {
		values = make([]string, len(spec.Values))
		for i, v := range spec.Values {
			values[i] = splitTXT(v)
		}
	}
	rec := m.resource("aws_route53_record", "this")
	rec.SetAttributeTraversal("zone_id", ref("data", "aws_route53_zone", "this", "zone_id"))
	rec.SetAttributeValue("name", cty.StringVal(spec.Record))
	rec.SetAttributeValue("type", cty.StringVal(spec.Type))
	rec.SetAttributeValue("ttl", number(spec.TTL))
	rec.SetAttributeValue("records", stringList(values))

	m.output("fqdn", "The fully qualified name of the record.", expr(ref("aws_route53_record", "this", "fqdn")))
	return nil
}

// splitTXT splits a TXT value longer than one character-string into
// strings of at most 255 bytes, never inside a UTF-8 sequence. The AWS
// provider quotes the value and reads "" as the boundary between strings.
// A value already holding "" was split by its author and is kept as is.
func splitTXT(v string) string {
	if len(v) <= maxTXTString || strings.Contains(v, `""`) {
		return v
	}
	var parts []string
	for len(v) > maxTXTString {
		cut := maxTXTString
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		parts = append(parts, v[:cut])
		v = v[cut:]
	}
	return strings.Join(append(parts, v), `""`)
}
