#!/usr/bin/env python3
"""Attaches the reset email's Custom message trigger to a user pool without the pitfall of
`aws cognito-idp update-user-pool`: that call resets every setting it is not given to its
default (the password policy, MFA, the email sender, the other triggers…). This reads the
pool (`DescribeUserPool`), changes only `LambdaConfig.CustomMessage` and gives everything else
back as it was (`UpdateUserPool`).

    attach_trigger.py --pool eu-west-1_AbC123 --function-arn arn:aws:lambda:…:function:reset-custom-message
    attach_trigger.py --pool … --detach        (takes the Custom message trigger off again)

Credentials and region as for the AWS CLI (environment, profile, instance role). Prints what
changed. Tested against moto (scripts/attach_trigger_test.py, in `make test`).
"""
import argparse
import json
import sys

# What UpdateUserPool takes, as DescribeUserPool names it. Anything else DescribeUserPool
# returns (ids, dates, counts, the schema, …) cannot be updated and is not sent.
UPDATABLE = [
    "Policies",
    "DeletionProtection",
    "LambdaConfig",
    "AutoVerifiedAttributes",
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "UserAttributeUpdateSettings",
    "MfaConfiguration",
    "DeviceConfiguration",
    "EmailConfiguration",
    "SmsConfiguration",
    "UserPoolTags",
    "AdminCreateUserConfig",
    "UserPoolAddOns",
    "AccountRecoverySetting",
    "PoolName",
    "UserPoolTier",
]


def update_request(pool: dict, function_arn: str | None) -> dict:
    """The UpdateUserPool request that keeps `pool` as it is but for its Custom message trigger
    (`None`: taken off)."""
    request = {k: pool[k] for k in UPDATABLE if k in pool}
    request["UserPoolId"] = pool["Id"]
    # Deprecated by Cognito in favour of Policies.PasswordPolicy.TemporaryPasswordValidityDays,
    # and refused next to it.
    request.get("AdminCreateUserConfig", {}).pop("UnusedAccountValidityDays", None)
    lambdas = dict(pool.get("LambdaConfig", {}))
    if function_arn:
        lambdas["CustomMessage"] = function_arn
    else:
        lambdas.pop("CustomMessage", None)
    request["LambdaConfig"] = lambdas
    # An empty sender configuration is refused; one Cognito filled in is given back whole.
    for key in ("EmailConfiguration", "SmsConfiguration"):
        if key in request and not request[key]:
            del request[key]
    return request


def main(argv=None, client=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pool", required=True, help="the user pool id")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--function-arn", help="the trigger's Lambda function ARN")
    which.add_argument("--detach", action="store_true", help="take the Custom message trigger off")
    args = parser.parse_args(argv)
    if client is None:
        import boto3

        client = boto3.client("cognito-idp")
    pool = client.describe_user_pool(UserPoolId=args.pool)["UserPool"]
    before = pool.get("LambdaConfig", {}).get("CustomMessage")
    client.update_user_pool(**update_request(pool, None if args.detach else args.function_arn))
    after = client.describe_user_pool(UserPoolId=args.pool)["UserPool"].get("LambdaConfig", {})
    print(json.dumps({"pool": args.pool, "CustomMessage": {"before": before, "after": after.get("CustomMessage")}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
