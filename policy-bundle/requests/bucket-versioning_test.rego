package requests.bucket_versioning_test

import data.requests.bucket_versioning
import data.requests.fixtures

test_versioned_bucket_passes if {
	count(bucket_versioning.warn) == 0 with input as fixtures.bucket
	count(bucket_versioning.warn) == 0 with input as json.patch(fixtures.bucket, [{"op": "remove", "path": "/spec/versioning"}])
}

test_unversioned_production_bucket_warns if {
	b := json.patch(fixtures.bucket, [{"op": "replace", "path": "/spec/versioning", "value": false}])
	bucket_versioning.warn == {`Bucket "product-images" does not keep versions in production; an overwrite or delete there cannot be undone: remove versioning: false, and bound the cost with lifecycleDays`} with input as b
}

test_unversioned_staging_bucket_is_fine if {
	b := json.patch(fixtures.bucket, [{"op": "add", "path": "/spec/overrides/staging/versioning", "value": false}])
	count(bucket_versioning.warn) == 0 with input as b
}
