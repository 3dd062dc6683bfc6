# Rendered Terraform files of the platform template's requests (production),
# exactly as conftest's hcl2 parser gives them to policies: each is
# testdata/terraform/<name>.tf parsed, and TestFixturesAreParsedFiles keeps
# the two equal. Tests change them with json.patch to make each failure.
package terraform.fixtures

# testdata/terraform/database.tf
database := {
	"resource": {
		"aws_db_instance": {
			"this": [
				{
					"allocated_storage": 100,
					"allow_major_version_upgrade": true,
					"auto_minor_version_upgrade": true,
					"backup_retention_period": 14,
					"copy_tags_to_snapshot": true,
					"db_name": "orders_db",
					"db_subnet_group_name": "${aws_db_subnet_group.this.name}",
					"deletion_protection": true,
					"engine": "postgres",
					"engine_version": "16",
					"final_snapshot_identifier": "payments-orders-db-production-final",
					"iam_database_authentication_enabled": true,
					"identifier": "payments-orders-db-production",
					"instance_class": "db.m6g.large",
					"manage_master_user_password": true,
					"multi_az": true,
					"parameter_group_name": "${aws_db_parameter_group.this.name}",
					"publicly_accessible": false,
					"skip_final_snapshot": false,
					"storage_encrypted": true,
					"storage_type": "gp3",
					"tags": {
						"cost-center": "cc-1234",
						"dip-request": "requests/payments/orders-db.yaml",
						"env": "production",
						"managed-by": "dip",
						"team": "payments",
					},
					"username": "dbadmin",
					"vpc_security_group_ids": "${var.security_group_ids}",
				},
			],
		},
		"aws_db_parameter_group": {
			"this": [
				{
					"description": "Managed by dip",
					"family": "postgres16",
					"lifecycle": [
						{
							"create_before_destroy": true,
						},
					],
					"name": "payments-orders-db-production-postgres16",
					"parameter": [
						{
							"name": "rds.force_ssl",
							"value": "1",
						},
					],
					"tags": {
						"cost-center": "cc-1234",
						"dip-request": "requests/payments/orders-db.yaml",
						"env": "production",
						"managed-by": "dip",
						"team": "payments",
					},
				},
			],
		},
		"aws_db_subnet_group": {
			"this": [
				{
					"name": "payments-orders-db-production",
					"subnet_ids": "${var.subnet_ids}",
					"tags": {
						"cost-center": "cc-1234",
						"dip-request": "requests/payments/orders-db.yaml",
						"env": "production",
						"managed-by": "dip",
						"team": "payments",
					},
				},
			],
		},
		"aws_secretsmanager_secret": {
			"connection": [
				{
					"description": "Where to reach database payments-orders-db-production; holds no credentials.",
					"name": "payments/orders-db/production/connection",
					"recovery_window_in_days": 30,
					"tags": {
						"cost-center": "cc-1234",
						"dip-request": "requests/payments/orders-db.yaml",
						"env": "production",
						"managed-by": "dip",
						"team": "payments",
					},
				},
			],
		},
		"aws_secretsmanager_secret_version": {
			"connection": [
				{
					"secret_id": "${aws_secretsmanager_secret.connection.id}",
					"secret_string": "${jsonencode({\n    engine = \"postgres\"\n    host   = aws_db_instance.this.address\n    port   = aws_db_instance.this.port\n    dbname = aws_db_instance.this.db_name\n  })}",
				},
			],
		},
	},
}

# testdata/terraform/queue.tf
queue := {
	"resource": {
		"aws_sqs_queue": {
			"dlq": [
				{
					"fifo_queue": true,
					"message_retention_seconds": 1209600,
					"name": "payments-order-events-production-dlq.fifo",
					"sqs_managed_sse_enabled": true,
					"tags": {
						"cost-center": "cc-1234",
						"dip-request": "requests/payments/order-events.yaml",
						"env": "production",
						"managed-by": "dip",
						"team": "payments",
					},
				},
			],
			"this": [
				{
					"content_based_deduplication": true,
					"fifo_queue": true,
					"message_retention_seconds": 345600,
					"name": "payments-order-events-production.fifo",
					"redrive_policy": "${jsonencode({\n    deadLetterTargetArn = aws_sqs_queue.dlq.arn\n    maxReceiveCount     = 5\n  })}",
					"sqs_managed_sse_enabled": true,
					"tags": {
						"cost-center": "cc-1234",
						"dip-request": "requests/payments/order-events.yaml",
						"env": "production",
						"managed-by": "dip",
						"team": "payments",
					},
					"visibility_timeout_seconds": 60,
				},
			],
		},
		"aws_sqs_queue_redrive_allow_policy": {
			"dlq": [
				{
					"queue_url": "${aws_sqs_queue.dlq.id}",
					"redrive_allow_policy": "${jsonencode({\n    redrivePermission = \"byQueue\"\n    sourceQueueArns   = [aws_sqs_queue.this.arn]\n  })}",
				},
			],
		},
	},
}

# testdata/terraform/bucket.tf
bucket := {
	"data": {
		"aws_iam_policy_document": {
			"bucket": [
				{
					"statement": [
						{
							"actions": [
								"s3:*",
							],
							"condition": [
								{
									"test": "Bool",
									"values": [
										"false",
									],
									"variable": "aws:SecureTransport",
								},
							],
							"effect": "Deny",
							"principals": [
								{
									"identifiers": [
										"*",
									],
									"type": "*",
								},
							],
							"resources": [
								"${aws_s3_bucket.this.arn}",
								"${format(\"%s/*\", aws_s3_bucket.this.arn)}",
							],
							"sid": "DenyInsecureTransport",
						},
					],
				},
			],
		},
	},
	"resource": {
		"aws_s3_bucket": {
			"this": [
				{
					"bucket": "acme-catalog-product-images-production",
					"tags": {
						"cost-center": "cc-2040",
						"dip-request": "requests/catalog/product-images.yaml",
						"env": "production",
						"managed-by": "dip",
						"team": "catalog",
					},
				},
			],
		},
		"aws_s3_bucket_lifecycle_configuration": {
			"this": [
				{
					"bucket": "${aws_s3_bucket.this.id}",
					"depends_on": [
						"${aws_s3_bucket_versioning.this}",
					],
					"rule": [
						{
							"abort_incomplete_multipart_upload": [
								{
									"days_after_initiation": 7,
								},
							],
							"expiration": [
								{
									"expired_object_delete_marker": true,
								},
							],
							"filter": [
								{},
							],
							"id": "dip-lifecycle",
							"noncurrent_version_expiration": [
								{
									"noncurrent_days": 365,
								},
							],
							"status": "Enabled",
						},
					],
				},
			],
		},
		"aws_s3_bucket_policy": {
			"this": [
				{
					"bucket": "${aws_s3_bucket.this.id}",
					"depends_on": [
						"${aws_s3_bucket_public_access_block.this}",
					],
					"policy": "${data.aws_iam_policy_document.bucket.json}",
				},
			],
		},
		"aws_s3_bucket_public_access_block": {
			"this": [
				{
					"block_public_acls": true,
					"block_public_policy": true,
					"bucket": "${aws_s3_bucket.this.id}",
					"ignore_public_acls": true,
					"restrict_public_buckets": true,
				},
			],
		},
		"aws_s3_bucket_server_side_encryption_configuration": {
			"this": [
				{
					"bucket": "${aws_s3_bucket.this.id}",
					"rule": [
						{
							"apply_server_side_encryption_by_default": [
								{
									"sse_algorithm": "aws:kms",
								},
							],
							"bucket_key_enabled": true,
						},
					],
				},
			],
		},
		"aws_s3_bucket_versioning": {
			"this": [
				{
					"bucket": "${aws_s3_bucket.this.id}",
					"versioning_configuration": [
						{
							"status": "Enabled",
						},
					],
				},
			],
		},
	},
}

# testdata/terraform/iam_role.tf
iam_role := {
	"data": {
		"aws_eks_cluster": {
			"this": [
				{
					"name": "${var.cluster_name}",
				},
			],
		},
		"aws_iam_openid_connect_provider": {
			"this": [
				{
					"url": "${data.aws_eks_cluster.this.identity[0].oidc[0].issuer}",
				},
			],
		},
		"aws_iam_policy_document": {
			"assume_role": [
				{
					"statement": [
						{
							"actions": [
								"sts:AssumeRoleWithWebIdentity",
							],
							"condition": [
								{
									"test": "StringEquals",
									"values": [
										"system:serviceaccount:identity:token-signer",
									],
									"variable": "${format(\"%s:sub\", trimprefix(data.aws_eks_cluster.this.identity[0].oidc[0].issuer, \"https://\"))}",
								},
								{
									"test": "StringEquals",
									"values": [
										"sts.amazonaws.com",
									],
									"variable": "${format(\"%s:aud\", trimprefix(data.aws_eks_cluster.this.identity[0].oidc[0].issuer, \"https://\"))}",
								},
							],
							"effect": "Allow",
							"principals": [
								{
									"identifiers": [
										"${data.aws_iam_openid_connect_provider.this.arn}",
									],
									"type": "Federated",
								},
							],
						},
					],
				},
			],
			"this": [
				{
					"statement": [
						{
							"actions": [
								"kms:Sign",
								"kms:GetPublicKey",
							],
							"effect": "Allow",
							"resources": [
								"arn:aws:kms:eu-west-1:123456789012:alias/token-signer",
							],
						},
					],
				},
			],
		},
	},
	"resource": {
		"aws_iam_role": {
			"this": [
				{
					"assume_role_policy": "${data.aws_iam_policy_document.assume_role.json}",
					"description": "Assumed by Kubernetes service account identity/token-signer",
					"name": "identity-token-signer-production",
					"tags": {
						"cost-center": "cc-3100",
						"dip-request": "requests/identity/token-signer.yaml",
						"env": "production",
						"managed-by": "dip",
						"team": "identity",
					},
				},
			],
		},
		"aws_iam_role_policy": {
			"this": [
				{
					"name": "identity-token-signer-production",
					"policy": "${data.aws_iam_policy_document.this.json}",
					"role": "${aws_iam_role.this.id}",
				},
			],
		},
	},
}

# testdata/terraform/dns_record.tf
dns_record := {
	"data": {
		"aws_route53_zone": {
			"this": [
				{
					"name": "acme.example",
					"private_zone": false,
				},
			],
		},
	},
	"resource": {
		"aws_route53_record": {
			"this": [
				{
					"name": "login.acme.example",
					"records": [
						"identity-lb.eu-west-1.elb.amazonaws.com",
					],
					"ttl": 300,
					"type": "CNAME",
					"zone_id": "${data.aws_route53_zone.this.zone_id}",
				},
			],
		},
	},
}

# testdata/terraform/providers.tf
providers := {
	"provider": {
		"aws": [
			{
				"region": "eu-west-1",
			},
		],
	},
	"terraform": [
		{
			"required_providers": [
				{
					"aws": {
						"source": "hashicorp/aws",
						"version": "~> 5.0",
					},
				},
			],
			"required_version": ">= 1.5",
		},
	],
}
