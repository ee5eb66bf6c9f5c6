#!/usr/bin/env python3
"""Helpers around the moto Cognito emulator, for the demo and the tests.

  moto.py pool  --endpoint URL --out FILE [--temporary-days N]
                                              create a pool (Cognito's default password policy)
                                              and two app clients (without / with a secret)
  moto.py user  --endpoint URL --pool ID NAME [--email ADDR] [--unverified] [--temporary PW]
                                              create a user (no message sent)
  moto.py codes --endpoint URL [--pool ID] [--links ORIGIN]
                                              print the latest reset code of every user (and
                                              the email's reset link to the app at ORIGIN)
  moto.py sign-up --endpoint URL --client ID NAME PASSWORD --email ADDR
                                              a user who signed up and never confirmed
  moto.py ses-sender --endpoint URL ADDR      verify ADDR as an SES sender (for NOTIFY_FROM)
  moto.py emails --endpoint URL [--to ADDR]   print the emails the app sent through SES

Only talks to the endpoint given (127.0.0.1 in this project).
"""
import argparse
import json
import sys
import urllib.request


def call(endpoint, action, body):
    req = urllib.request.Request(
        endpoint.rstrip("/") + "/",
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
            # moto reads the region from the credential scope.
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=x",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        sys.exit(f"{action} failed: {e.code} {e.read().decode(errors='replace')}")


def create_pool(endpoint, name="demo", temporary_days=7):
    pool = call(endpoint, "CreateUserPool", {
        "PoolName": name,
        "Policies": {"PasswordPolicy": {
            "MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
            "RequireNumbers": True, "RequireSymbols": True, "TemporaryPasswordValidityDays": temporary_days,
        }},
        "AutoVerifiedAttributes": ["email"],
        "AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
    })["UserPool"]["Id"]
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    # What the clients may read and write: the standard contact attributes, never the recovery
    # codes' custom attribute (docs "Recovery codes").
    readable = ["email", "email_verified", "phone_number", "phone_number_verified", "name", "locale"]
    writable = ["email", "phone_number", "name", "locale"]
    public = call(endpoint, "CreateUserPoolClient", {
        "UserPoolId": pool, "ClientName": "web-public", "ExplicitAuthFlows": flows,
        "GenerateSecret": False, "PreventUserExistenceErrors": "ENABLED",
        "EnableTokenRevocation": True, "ReadAttributes": readable, "WriteAttributes": writable,
    })["UserPoolClient"]
    secret = call(endpoint, "CreateUserPoolClient", {
        "UserPoolId": pool, "ClientName": "web-confidential", "ExplicitAuthFlows": flows,
        "GenerateSecret": True, "PreventUserExistenceErrors": "ENABLED",
        "EnableTokenRevocation": True, "ReadAttributes": readable, "WriteAttributes": writable,
    })["UserPoolClient"]
    return {
        "pool_id": pool,
        "public_client_id": public["ClientId"],
        "secret_client_id": secret["ClientId"],
        "secret_client_secret": secret["ClientSecret"],
    }


def require_mfa(endpoint, pool, mode, sms_only=False):
    """Second factors, `ON` (required) or `OPTIONAL`: authenticator apps and text messages, or
    text messages only."""
    call(endpoint, "SetUserPoolMfaConfig", {
        "UserPoolId": pool, "MfaConfiguration": mode,
        "SoftwareTokenMfaConfiguration": {"Enabled": not sms_only},
        "SmsMfaConfiguration": {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms"}},
    })


MOTO_TOTP_KEY = "asdfasdfasdf"  # moto's one authenticator key for every user


def totp(secret, now=None):
    """The current 6-digit code of an authenticator app with `secret` (RFC 6238, SHA-1, 30 s)."""
    import base64, hashlib, hmac, struct, time
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int((now or time.time()) // 30))
    h = hmac.new(key, counter, hashlib.sha1).digest()
    o = h[19] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def sign_up(endpoint, client, name, password, email):
    """A user who signed up and never confirmed (UNCONFIRMED)."""
    call(endpoint, "SignUp", {"ClientId": client, "Username": name, "Password": password,
                              "UserAttributes": [{"Name": "email", "Value": email}]})


def totp_user(endpoint, client, name, password):
    """Sets up an authenticator app for `name` (who can sign in with `password`) and prefers it,
    through Cognito's own calls, the way a user would from an account page."""
    auth = call(endpoint, "InitiateAuth", {
        "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": name, "PASSWORD": password},
    })
    access = auth["AuthenticationResult"]["AccessToken"]
    secret = call(endpoint, "AssociateSoftwareToken", {"AccessToken": access})["SecretCode"]
    import time
    if time.time() % 30 > 27:  # moto accepts only the current 30-second step
        time.sleep(31 - time.time() % 30)
    call(endpoint, "VerifySoftwareToken", {"AccessToken": access, "UserCode": totp(secret)})
    call(endpoint, "SetUserMFAPreference", {
        "AccessToken": access, "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True},
    })
    return secret


def create_user(endpoint, pool, name, email=None, verified=True, temporary="Temp-Passw0rd!"):
    attrs = []
    if email:
        attrs.append({"Name": "email", "Value": email})
        attrs.append({"Name": "email_verified", "Value": "true" if verified else "false"})
    call(endpoint, "AdminCreateUser", {
        "UserPoolId": pool, "Username": name, "UserAttributes": attrs,
        "TemporaryPassword": temporary, "MessageAction": "SUPPRESS",
    })


def codes(endpoint, pool=None):
    with urllib.request.urlopen(endpoint.rstrip("/") + "/moto-api/data.json", timeout=10) as r:
        data = json.load(r)
    users = data.get("cognitoidp", {}).get("CognitoIdpUser", [])
    out = {}
    for u in users:
        if pool and u.get("user_pool_id") != pool:
            continue
        code = u.get("confirmation_code")
        if code:
            out[u["username"]] = code
    return out


def ses_sender(endpoint, address):
    req = urllib.request.Request(
        endpoint.rstrip("/") + "/v2/email/identities",
        data=json.dumps({"EmailIdentity": address}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=x",
        },
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


def emails(endpoint, to=None):
    with urllib.request.urlopen(endpoint.rstrip("/") + "/moto-api/data.json", timeout=30) as r:
        data = json.loads(r.read())
    out = []
    for m in data.get("ses", {}).get("Message", []):
        dest = m.get("destinations", {}).get("ToAddresses", [])
        if to is None or to in dest:
            out.append({"to": dest, "from": m.get("source"), "subject": m.get("subject"), "body": m.get("body")})
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", default="http://127.0.0.1:5055")
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("pool")
    a.add_argument("--out", required=True)
    a.add_argument("--name", default="demo")
    a.add_argument("--mfa", choices=["ON", "OPTIONAL"], help="second factors required or optional")
    a.add_argument("--sms-only", action="store_true", help="with --mfa: text messages only")
    a.add_argument("--temporary-days", type=int, default=7,
                   help="TemporaryPasswordValidityDays (0: temporary passwords expire at once)")
    u = sub.add_parser("user")
    u.add_argument("--pool", required=True)
    u.add_argument("name")
    u.add_argument("--email")
    u.add_argument("--unverified", action="store_true")
    u.add_argument("--temporary", default="Temp-Passw0rd!")
    c = sub.add_parser("codes")
    c.add_argument("--pool")
    c.add_argument("--json", action="store_true")
    c.add_argument("--links", metavar="ORIGIN", help="also print each code's reset link to the app at ORIGIN")
    s = sub.add_parser("ses-sender", help="verify an SES sender address")
    s.add_argument("address")
    e = sub.add_parser("emails", help="the emails sent through SES")
    e.add_argument("--to")
    tu = sub.add_parser("totp-user", help="set up an authenticator app for a user")
    su = sub.add_parser("sign-up")
    su.add_argument("--client", required=True)
    su.add_argument("name")
    su.add_argument("password")
    su.add_argument("--email", required=True)
    tu.add_argument("--client", required=True)
    tu.add_argument("name")
    tu.add_argument("password")
    t = sub.add_parser("totp", help="the current authenticator code (moto's key unless --secret)")
    t.add_argument("--secret", default=MOTO_TOTP_KEY)
    args = p.parse_args()

    if args.cmd == "pool":
        info = create_pool(args.endpoint, args.name, args.temporary_days)
        if args.mfa:
            require_mfa(args.endpoint, info["pool_id"], args.mfa, args.sms_only)
        with open(args.out, "w") as f:
            json.dump(info, f, indent=2)
        print(json.dumps({k: v for k, v in info.items() if "secret" not in k or k == "secret_client_id"}))
    elif args.cmd == "user":
        create_user(args.endpoint, args.pool, args.name, args.email, not args.unverified, args.temporary)
    elif args.cmd == "sign-up":
        sign_up(args.endpoint, args.client, args.name, args.password, args.email)
    elif args.cmd == "totp-user":
        totp_user(args.endpoint, args.client, args.name, args.password)
    elif args.cmd == "ses-sender":
        ses_sender(args.endpoint, args.address)
    elif args.cmd == "emails":
        import html, re
        for m in emails(args.endpoint, args.to):
            text = re.sub(r"<[^>]+>", "\n", m["body"] or "")
            text = "\n".join(l for l in (html.unescape(x).strip() for x in text.splitlines()) if l)
            links = re.findall(r'href="([^"]+)"', m["body"] or "")
            print(f"To: {', '.join(m['to'])}\nFrom: {m['from']}\nSubject: {m['subject']}\n\n{text}")
            for link in links:
                print(f"Link: {html.unescape(link)}")
            print("-" * 72)
    elif args.cmd == "totp":
        print(totp(args.secret))
    elif args.cmd == "codes":
        found = codes(args.endpoint, args.pool)
        if args.json:
            print(json.dumps(found))
        elif not found:
            print("no reset codes yet: request one on the Forgot password page first")
        else:
            import urllib.parse
            for name, code in sorted(found.items()):
                link = ""
                if args.links:
                    q = urllib.parse.urlencode({"u": name, "c": code})
                    link = f"  {args.links.rstrip('/')}/reset/link?{q}"
                print(f"{name:<12} {code}{link}")


if __name__ == "__main__":
    main()
