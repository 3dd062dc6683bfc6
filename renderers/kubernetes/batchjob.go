package kubernetes

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// History kept of a CronJob's finished Jobs: enough failed ones to debug.
const (
	successfulJobsHistory = 3
	failedJobsHistory     = 3
)

// cronTimeZone is the time zone of every schedule, so that it does not
// depend on the cluster's.
const cronTimeZone = "Etc/UTC"

// batchJob renders a BatchJob request as a CronJob. A failed run is retried
// spec.retries times, each time in a new pod (restartPolicy Never) so that
// the failed pods stay for their logs, and the whole run is stopped after
// spec.deadlineSeconds.
func batchJob(r *source.Request, s *platform.BatchJobSpec) ([]object, error) {
	c, err := container(r, s.Image, s.Resources)
	if err != nil {
		return nil, err
	}
	for _, arg := range s.Command {
		c.Command = append(c.Command, literal(arg))
	}
	pod := podSpec(c)
	pod.RestartPolicy = corev1.RestartPolicyNever
	return []object{&batchv1.CronJob{
		TypeMeta:   typeMeta("batch/v1", "CronJob"),
		ObjectMeta: meta(r, r.Request.Name, s.Namespace, nil),
		Spec: batchv1.CronJobSpec{
			Schedule:                   s.Schedule,
			TimeZone:                   ptr.To(cronTimeZone),
			ConcurrencyPolicy:          batchv1.ConcurrencyPolicy(s.Concurrency),
			SuccessfulJobsHistoryLimit: ptr.To[int32](successfulJobsHistory),
			FailedJobsHistoryLimit:     ptr.To[int32](failedJobsHistory),
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels(r), Annotations: r.Annotations()},
				Spec: batchv1.JobSpec{
					BackoffLimit:          ptr.To(int32(s.Retries)),
					ActiveDeadlineSeconds: ptr.To(int64(s.DeadlineSeconds)),
					Template: corev1.PodTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: podLabels(r), Annotations: r.Annotations()},
						Spec:       pod,
					},
				},
			},
		},
	}}, nil
}
