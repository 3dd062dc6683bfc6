package terraform.allowed_regions_test

import data.terraform.allowed_regions

provider(region) := {"provider": {"aws": [{"region": region}]}}

test_default_regions if {
	count(allowed_regions.deny) == 0 with input as provider("eu-west-1")
	count(allowed_regions.deny) == 1 with input as provider("us-east-1")
}

test_platform_regions_override_the_default if {
	count(allowed_regions.deny) == 0 with input as provider("us-east-1")
		with data.dip.platform.allowedRegions as ["us-east-1"]
	count(allowed_regions.deny) == 1 with input as provider("eu-west-1")
		with data.dip.platform.allowedRegions as ["us-east-1"]
}

test_every_provider_block_is_judged if {
	count(allowed_regions.deny) == 1 with input as {"provider": {"aws": [{"region": "eu-west-1"}, {"alias": "x", "region": "ap-south-1"}]}}
}
