package requests.public_bucket_test

import data.requests.fixtures
import data.requests.public_bucket

test_private_bucket_passes if {
	count(public_bucket.warn) == 0 with input as fixtures.bucket
	count(public_bucket.warn) == 0 with input as json.patch(fixtures.bucket, [{"op": "add", "path": "/spec/public", "value": false}])
}

test_public_bucket_warns if {
	b := json.patch(fixtures.bucket, [{"op": "add", "path": "/spec/overrides/staging/public", "value": true}])
	public_bucket.warn == {`Bucket "product-images" is readable by anyone on the internet in staging; keep only public assets in it`} with input as b
}
