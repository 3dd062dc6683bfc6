package terraform

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// deadLetterRetentionSeconds keeps dead letters as long as SQS allows, so
// that they outlive the messages of the queue they came from.
const deadLetterRetentionSeconds = 1209600

func renderQueue(m *module, r *source.Request, spec *platform.QueueSpec) error {
	name := QueueName(r.Team.Name, r.Request.Name, r.Env.Name, spec.FIFO)
	dlqName := DeadLetterQueueName(r.Team.Name, r.Request.Name, r.Env.Name, spec.FIFO)
	for _, n := range []string{name, dlqName} {
		if err := checkName("queue name", n, queuePattern); err != nil {
			return err
		}
	}

	dlq := m.resource("aws_sqs_queue", "dlq")
	dlq.SetAttributeValue("name", cty.StringVal(dlqName))
	if spec.FIFO {
		// SQS keeps each message's deduplication id when it moves it here.
		dlq.SetAttributeValue("fifo_queue", cty.True)
	}
	dlq.SetAttributeValue("message_retention_seconds", number(deadLetterRetentionSeconds))
	dlq.SetAttributeValue("sqs_managed_sse_enabled", cty.BoolVal(spec.Encrypted))
	m.tag(dlq)

	q := m.resource("aws_sqs_queue", "this")
	q.SetAttributeValue("name", cty.StringVal(name))
	setFIFO(q, spec.FIFO)
	q.SetAttributeValue("visibility_timeout_seconds", number(spec.VisibilityTimeoutSeconds))
	q.SetAttributeValue("message_retention_seconds", number(spec.MessageRetentionSeconds))
	q.SetAttributeValue("sqs_managed_sse_enabled", cty.BoolVal(spec.Encrypted))
	q.SetAttributeRaw("redrive_policy", call("jsonencode", object(
		field{"deadLetterTargetArn", expr(ref("aws_sqs_queue", "dlq", "arn"))},
		field{"maxReceiveCount", numberTokens(spec.MaxReceiveCount)},
	)))
	m.tag(q)

	// Only this queue may move messages into its dead-letter queue.
	allow := m.resource("aws_sqs_queue_redrive_allow_policy", "dlq")
	allow.SetAttributeTraversal("queue_url", ref("aws_sqs_queue", "dlq", "id"))
	allow.SetAttributeRaw("redrive_allow_policy", call("jsonencode", object(
		field{"redrivePermission", lit("byQueue")},
		field{"sourceQueueArns", tuple(expr(ref("aws_sqs_queue", "this", "arn")))},
	)))

	m.output("queue_url", "The URL of the queue.", expr(ref("aws_sqs_queue", "this", "url")))
	m.output("queue_arn", "The ARN of the queue.", expr(ref("aws_sqs_queue", "this", "arn")))
	m.output("dead_letter_queue_url", "The URL of the dead-letter queue.", expr(ref("aws_sqs_queue", "dlq", "url")))
	m.output("dead_letter_queue_arn", "The ARN of the dead-letter queue.", expr(ref("aws_sqs_queue", "dlq", "arn")))
	return nil
}

// setFIFO makes a queue FIFO, with deduplication on the message body so
// that producers need not send deduplication ids.
func setFIFO(q *body, fifo bool) {
	if !fifo {
		return
	}
	q.SetAttributeValue("fifo_queue", cty.True)
	q.SetAttributeValue("content_based_deduplication", cty.True)
}
