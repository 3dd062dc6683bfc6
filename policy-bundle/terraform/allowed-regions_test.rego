package terraform.allowed_regions_test

import data.terraform.allowed_regions
import data.terraform.fixtures

in_region(region) := json.patch(fixtures.providers, [{"op": "replace", "path": "/provider/aws/0/region", "value": region}])

test_default_regions if {
	count(allowed_regions.deny) == 0 with input as fixtures.providers
	allowed_regions.deny == {`provider aws uses region "us-east-1", which the platform does not approve; approved regions: eu-central-1, eu-west-1`} with input as in_region("us-east-1")
}

test_platform_regions_replace_the_default if {
	count(allowed_regions.deny) == 0 with input as in_region("us-east-1")
		with data.dip.platform.allowedRegions as ["us-east-1"]
	count(allowed_regions.deny) == 1 with input as fixtures.providers
		with data.dip.platform.allowedRegions as ["us-east-1"]
}

test_every_provider_block_is_judged if {
	p := json.patch(fixtures.providers, [{"op": "add", "path": "/provider/aws/-", "value": {"alias": "replica", "region": "ap-south-1"}}])
	allowed_regions.deny == {`provider aws (alias replica) uses region "ap-south-1", which the platform does not approve; approved regions: eu-central-1, eu-west-1`} with input as p
}

test_provider_without_a_literal_region_fails if {
	allowed_regions.deny == {"provider aws uses region (none set), which the platform does not approve; approved regions: eu-central-1, eu-west-1"} with input as json.patch(fixtures.providers, [{"op": "remove", "path": "/provider/aws/0/region"}])
	count(allowed_regions.deny) == 1 with input as in_region("${var.region}")
}

test_files_without_a_provider_are_not_judged if {
	count(allowed_regions.deny) == 0 with input as fixtures.database
}
