# Rendered Kubernetes documents of the platform template's requests
# (production), exactly as conftest gives them to policies: each is
# testdata/kubernetes/<name>.yaml parsed, and TestFixturesAreParsedFiles
# keeps the two equal. Tests change them with json.patch to make each failure.
package kubernetes.fixtures

# testdata/kubernetes/deployment.yaml
deployment := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {
		"annotations": {
			"dip.dev/source": "requests/payments/orders-api.yaml",
		},
		"labels": {
			"app.kubernetes.io/managed-by": "dip",
			"app.kubernetes.io/name": "orders-api",
			"dip.dev/cost-center": "cc-1234",
			"dip.dev/env": "production",
			"dip.dev/kind": "Service",
			"dip.dev/request": "orders-api",
			"dip.dev/team": "payments",
		},
		"name": "orders-api",
		"namespace": "payments",
	},
	"spec": {
		"selector": {
			"matchLabels": {
				"app.kubernetes.io/name": "orders-api",
				"dip.dev/kind": "Service",
			},
		},
		"template": {
			"metadata": {
				"annotations": {
					"dip.dev/source": "requests/payments/orders-api.yaml",
				},
				"labels": {
					"app.kubernetes.io/managed-by": "dip",
					"app.kubernetes.io/name": "orders-api",
					"dip.dev/cost-center": "cc-1234",
					"dip.dev/env": "production",
					"dip.dev/kind": "Service",
					"dip.dev/request": "orders-api",
					"dip.dev/team": "payments",
				},
			},
			"spec": {
				"automountServiceAccountToken": false,
				"containers": [
					{
						"env": [
							{
								"name": "FEATURE_FLAGS",
								"value": "checkout-v2",
							},
							{
								"name": "LOG_LEVEL",
								"value": "info",
							},
							{
								"name": "ORDERS_DB_DATABASE",
								"valueFrom": {
									"secretKeyRef": {
										"key": "ORDERS_DB_DATABASE",
										"name": "orders-api-databases",
									},
								},
							},
							{
								"name": "ORDERS_DB_HOST",
								"valueFrom": {
									"secretKeyRef": {
										"key": "ORDERS_DB_HOST",
										"name": "orders-api-databases",
									},
								},
							},
							{
								"name": "ORDERS_DB_PORT",
								"valueFrom": {
									"secretKeyRef": {
										"key": "ORDERS_DB_PORT",
										"name": "orders-api-databases",
									},
								},
							},
							{
								"name": "ORDERS_DB_REGION",
								"value": "eu-west-1",
							},
							{
								"name": "ORDERS_DB_USERNAME",
								"value": "orders_api",
							},
							{
								"name": "ORDER_EVENTS_QUEUE_NAME",
								"value": "payments-order-events-production.fifo",
							},
							{
								"name": "ORDER_EVENTS_QUEUE_REGION",
								"value": "eu-west-1",
							},
							{
								"name": "OTEL_EXPORTER_OTLP_ENDPOINT",
								"value": "http://otel-collector.observability.svc.cluster.local:4318",
							},
							{
								"name": "OTEL_EXPORTER_OTLP_PROTOCOL",
								"value": "http/protobuf",
							},
							{
								"name": "OTEL_RESOURCE_ATTRIBUTES",
								"value": "dip.team=payments,deployment.environment.name=production,dip.request=requests/payments/orders-api.yaml",
							},
							{
								"name": "OTEL_SERVICE_NAME",
								"value": "orders-api",
							},
							{
								"name": "STRIPE_API_KEY",
								"valueFrom": {
									"secretKeyRef": {
										"key": "value",
										"name": "stripe-api-key",
									},
								},
							},
						],
						"image": "ghcr.io/acme/orders-api:1.4.2",
						"livenessProbe": {
							"httpGet": {
								"path": "/healthz",
								"port": "http",
							},
						},
						"name": "orders-api",
						"ports": [
							{
								"containerPort": 8080,
								"name": "http",
							},
						],
						"readinessProbe": {
							"httpGet": {
								"path": "/readyz",
								"port": "http",
							},
						},
						"resources": {
							"limits": {
								"cpu": "500m",
								"memory": "512Mi",
							},
							"requests": {
								"cpu": "500m",
								"memory": "512Mi",
							},
						},
						"securityContext": {
							"allowPrivilegeEscalation": false,
							"capabilities": {
								"drop": [
									"ALL",
								],
							},
							"readOnlyRootFilesystem": true,
							"runAsGroup": 65532,
							"runAsNonRoot": true,
							"runAsUser": 65532,
							"seccompProfile": {
								"type": "RuntimeDefault",
							},
						},
						"volumeMounts": [
							{
								"mountPath": "/tmp",
								"name": "tmp",
							},
						],
					},
				],
				"serviceAccountName": "orders-api",
				"topologySpreadConstraints": [
					{
						"labelSelector": {
							"matchLabels": {
								"app.kubernetes.io/name": "orders-api",
								"dip.dev/kind": "Service",
							},
						},
						"maxSkew": 1,
						"topologyKey": "topology.kubernetes.io/zone",
						"whenUnsatisfiable": "ScheduleAnyway",
					},
				],
				"volumes": [
					{
						"emptyDir": {},
						"name": "tmp",
					},
				],
			},
		},
	},
}

# testdata/kubernetes/cronjob.yaml
cronjob := {
	"apiVersion": "batch/v1",
	"kind": "CronJob",
	"metadata": {
		"annotations": {
			"dip.dev/source": "requests/catalog/reindex.yaml",
		},
		"labels": {
			"app.kubernetes.io/managed-by": "dip",
			"app.kubernetes.io/name": "reindex",
			"dip.dev/cost-center": "cc-2040",
			"dip.dev/env": "production",
			"dip.dev/kind": "BatchJob",
			"dip.dev/request": "reindex",
			"dip.dev/team": "catalog",
		},
		"name": "reindex",
		"namespace": "catalog",
	},
	"spec": {
		"concurrencyPolicy": "Forbid",
		"failedJobsHistoryLimit": 3,
		"jobTemplate": {
			"metadata": {
				"annotations": {
					"dip.dev/source": "requests/catalog/reindex.yaml",
				},
				"labels": {
					"app.kubernetes.io/managed-by": "dip",
					"app.kubernetes.io/name": "reindex",
					"dip.dev/cost-center": "cc-2040",
					"dip.dev/env": "production",
					"dip.dev/kind": "BatchJob",
					"dip.dev/request": "reindex",
					"dip.dev/team": "catalog",
				},
			},
			"spec": {
				"activeDeadlineSeconds": 5400,
				"backoffLimit": 2,
				"template": {
					"metadata": {
						"annotations": {
							"dip.dev/source": "requests/catalog/reindex.yaml",
						},
						"labels": {
							"app.kubernetes.io/managed-by": "dip",
							"app.kubernetes.io/name": "reindex",
							"dip.dev/cost-center": "cc-2040",
							"dip.dev/env": "production",
							"dip.dev/kind": "BatchJob",
							"dip.dev/request": "reindex",
							"dip.dev/team": "catalog",
						},
					},
					"spec": {
						"automountServiceAccountToken": false,
						"containers": [
							{
								"command": [
									"/app/reindex",
									"--full",
								],
								"image": "ghcr.io/acme/catalog-reindex:2.11.0",
								"name": "reindex",
								"resources": {
									"limits": {
										"cpu": "1",
										"memory": "1Gi",
									},
									"requests": {
										"cpu": "1",
										"memory": "1Gi",
									},
								},
								"securityContext": {
									"allowPrivilegeEscalation": false,
									"capabilities": {
										"drop": [
											"ALL",
										],
									},
									"readOnlyRootFilesystem": true,
									"runAsGroup": 65532,
									"runAsNonRoot": true,
									"runAsUser": 65532,
									"seccompProfile": {
										"type": "RuntimeDefault",
									},
								},
								"volumeMounts": [
									{
										"mountPath": "/tmp",
										"name": "tmp",
									},
								],
							},
						],
						"restartPolicy": "Never",
						"volumes": [
							{
								"emptyDir": {},
								"name": "tmp",
							},
						],
					},
				},
			},
		},
		"schedule": "0 3 * * *",
		"successfulJobsHistoryLimit": 3,
		"timeZone": "Etc/UTC",
	},
}

# testdata/kubernetes/ingress.yaml
ingress := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {
		"annotations": {
			"cert-manager.io/cluster-issuer": "letsencrypt",
			"dip.dev/source": "requests/payments/orders-api.yaml",
		},
		"labels": {
			"app.kubernetes.io/managed-by": "dip",
			"app.kubernetes.io/name": "orders-api",
			"dip.dev/cost-center": "cc-1234",
			"dip.dev/env": "production",
			"dip.dev/kind": "Service",
			"dip.dev/request": "orders-api",
			"dip.dev/team": "payments",
		},
		"name": "orders-api",
		"namespace": "payments",
	},
	"spec": {
		"rules": [
			{
				"host": "orders.acme.example",
				"http": {
					"paths": [
						{
							"backend": {
								"service": {
									"name": "orders-api",
									"port": {
										"name": "http",
									},
								},
							},
							"path": "/",
							"pathType": "Prefix",
						},
					],
				},
			},
		],
		"tls": [
			{
				"hosts": [
					"orders.acme.example",
				],
				"secretName": "orders-api-tls",
			},
		],
	},
}

# testdata/kubernetes/service.yaml
service := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {
		"annotations": {
			"dip.dev/source": "requests/payments/orders-api.yaml",
		},
		"labels": {
			"app.kubernetes.io/managed-by": "dip",
			"app.kubernetes.io/name": "orders-api",
			"dip.dev/cost-center": "cc-1234",
			"dip.dev/env": "production",
			"dip.dev/kind": "Service",
			"dip.dev/request": "orders-api",
			"dip.dev/team": "payments",
		},
		"name": "orders-api",
		"namespace": "payments",
	},
	"spec": {
		"ports": [
			{
				"name": "http",
				"port": 80,
				"targetPort": "http",
			},
		],
		"selector": {
			"app.kubernetes.io/name": "orders-api",
			"dip.dev/kind": "Service",
		},
		"type": "ClusterIP",
	},
}
