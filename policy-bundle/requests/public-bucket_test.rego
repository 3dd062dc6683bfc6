package requests.public_bucket_test

import data.requests.public_bucket

test_private_bucket_passes if {
	count(public_bucket.warn) == 0 with input as {"apiVersion": "dip/v1", "kind": "Bucket", "metadata": {"name": "b"}, "spec": {"environments": ["staging"]}}
}

test_public_bucket_warns if {
	count(public_bucket.warn) == 1 with input as {"apiVersion": "dip/v1", "kind": "Bucket", "metadata": {"name": "b"}, "spec": {"environments": ["staging"], "public": true}}
}
