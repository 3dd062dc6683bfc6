# Requests of the platform template as written in their files (no defaults,
# overrides not merged), exactly as conftest gives them to policies: each is
# testdata/requests/<name>.yaml parsed, and TestFixturesAreParsedFiles keeps
# the two equal. Tests change them with json.patch to make each failure.
package requests.fixtures

# testdata/requests/database.yaml
database := {
	"apiVersion": "dip/v1",
	"kind": "PostgresDatabase",
	"metadata": {
		"name": "orders-db",
		"team": "payments",
	},
	"spec": {
		"backupRetentionDays": 7,
		"environments": [
			"staging",
			"production",
		],
		"overrides": {
			"production": {
				"backupRetentionDays": 14,
				"highAvailability": true,
				"size": "medium",
				"storageGB": 100,
			},
		},
		"size": "small",
		"storageGB": 20,
		"version": "16",
	},
}

# testdata/requests/service.yaml
service := {
	"apiVersion": "dip/v1",
	"kind": "Service",
	"metadata": {
		"name": "orders-api",
		"team": "payments",
	},
	"spec": {
		"env": {
			"FEATURE_FLAGS": "checkout-v2",
			"LOG_LEVEL": "info",
		},
		"environments": [
			"staging",
			"production",
		],
		"host": "orders.acme.example",
		"image": "ghcr.io/acme/orders-api:1.4.2",
		"namespace": "payments",
		"overrides": {
			"production": {
				"maxReplicas": 12,
				"replicas": 4,
			},
			"staging": {
				"host": "orders.staging.acme.example",
				"replicas": 1,
			},
		},
		"port": 8080,
		"public": true,
		"replicas": 2,
		"resources": {
			"cpu": "500m",
			"memory": "512Mi",
		},
		"uses": [
			{
				"kind": "PostgresDatabase",
				"name": "orders-db",
			},
			{
				"kind": "Queue",
				"name": "order-events",
			},
			{
				"kind": "Secret",
				"name": "stripe-api-key",
			},
		],
	},
}

# testdata/requests/bucket.yaml
bucket := {
	"apiVersion": "dip/v1",
	"kind": "Bucket",
	"metadata": {
		"name": "product-images",
		"team": "catalog",
	},
	"spec": {
		"environments": [
			"staging",
			"production",
		],
		"lifecycleDays": 365,
		"overrides": {
			"staging": {
				"lifecycleDays": 30,
			},
		},
		"versioning": true,
	},
}

# testdata/requests/database_v2.yaml
database_v2 := {
	"apiVersion": "dip/v2",
	"kind": "PostgresDatabase",
	"metadata": {
		"name": "orders-db",
		"team": "payments",
	},
	"spec": {
		"backupRetentionDays": 7,
		"environments": [
			"staging",
			"production",
		],
		"instanceClass": "db.t4g.small",
		"overrides": {
			"production": {
				"backupRetentionDays": 14,
				"highAvailability": true,
				"instanceClass": "db.m6g.large",
				"storage": {
					"sizeGB": 100,
				},
			},
		},
		"storage": {
			"sizeGB": 20,
		},
		"version": "16",
	},
}

# testdata/requests/service_v2.yaml
service_v2 := {
	"apiVersion": "dip/v2",
	"kind": "Service",
	"metadata": {
		"name": "orders-api",
		"team": "payments",
	},
	"spec": {
		"env": {
			"FEATURE_FLAGS": "checkout-v2",
			"LOG_LEVEL": "info",
		},
		"environments": [
			"staging",
			"production",
		],
		"host": "orders.acme.example",
		"image": "ghcr.io/acme/orders-api:1.4.2",
		"namespace": "payments",
		"overrides": {
			"production": {
				"scaling": {
					"max": 12,
					"min": 4,
				},
			},
			"staging": {
				"host": "orders.staging.acme.example",
				"scaling": {
					"min": 1,
				},
			},
		},
		"ports": [
			{
				"name": "http",
				"port": 8080,
			},
		],
		"public": true,
		"resources": {
			"cpu": "500m",
			"memory": "512Mi",
		},
		"scaling": {
			"min": 2,
		},
		"uses": [
			{
				"kind": "PostgresDatabase",
				"name": "orders-db",
			},
			{
				"kind": "Queue",
				"name": "order-events",
			},
			{
				"kind": "Secret",
				"name": "stripe-api-key",
			},
		],
	},
}
