#!/usr/bin/env python3
"""scripts/attach_trigger.py against moto (in process, no server): attaching and detaching the
Custom message trigger leaves every other setting of the pool as it was. In `make test`."""
import os
import sys

os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
for proxy in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"):
    os.environ.pop(proxy, None)

# scripts/moto.py would stand in for the moto package: this directory leaves the path first.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]

import importlib.util  # noqa: E402

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

spec = importlib.util.spec_from_file_location("attach_trigger", os.path.join(HERE, "attach_trigger.py"))
attach_trigger = importlib.util.module_from_spec(spec)
spec.loader.exec_module(attach_trigger)

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:reset-custom-message"
PRE_SIGN_UP = "arn:aws:lambda:eu-west-1:123456789012:function:pre-sign-up"


def settings(pool):
    """What the operator set, without what Cognito keeps on its own (dates, counts)."""
    return {k: v for k, v in pool.items() if k not in ("LastModifiedDate", "CreationDate", "EstimatedNumberOfUsers")}


@mock_aws
def test():
    c = boto3.client("cognito-idp")
    pool = c.create_user_pool(
        PoolName="customers",
        Policies={"PasswordPolicy": {"MinimumLength": 14, "RequireSymbols": True, "TemporaryPasswordValidityDays": 3}},
        AutoVerifiedAttributes=["email"],
        MfaConfiguration="OPTIONAL",
        EmailVerificationSubject="Your code",
        AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        LambdaConfig={"PreSignUp": PRE_SIGN_UP},
        UserPoolTags={"team": "identity"},
    )["UserPool"]
    before = settings(c.describe_user_pool(UserPoolId=pool["Id"])["UserPool"])

    assert attach_trigger.main(["--pool", pool["Id"], "--function-arn", ARN], client=c) == 0
    after = settings(c.describe_user_pool(UserPoolId=pool["Id"])["UserPool"])
    assert after["LambdaConfig"] == {"PreSignUp": PRE_SIGN_UP, "CustomMessage": ARN}, after["LambdaConfig"]
    for key in set(before) | set(after):
        if key != "LambdaConfig":
            assert before.get(key) == after.get(key), f"{key} changed: {before.get(key)} -> {after.get(key)}"

    assert attach_trigger.main(["--pool", pool["Id"], "--detach"], client=c) == 0
    detached = settings(c.describe_user_pool(UserPoolId=pool["Id"])["UserPool"])
    assert detached == before, "detaching gives the pool back as it was"

    # What the pitfall looks like: the plain call with only the trigger loses the password policy.
    c.update_user_pool(UserPoolId=pool["Id"], LambdaConfig={"CustomMessage": ARN})
    lost = c.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert lost["Policies"]["PasswordPolicy"]["MinimumLength"] == 8, "moto resets the policy as Cognito does"
    assert "PreSignUp" not in lost["LambdaConfig"] and not lost.get("AutoVerifiedAttributes")


test()
print("attach_trigger.py keeps every other pool setting (moto)")
