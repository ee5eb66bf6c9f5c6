"""moto's server (the local Cognito emulator) with a deeper listen queue, and the one call the
app makes that moto 5.2.5 lacks.

werkzeug listens with a backlog of 128; under the 500-flow load test the app's connections
overflow it and the kernel drops SYNs, which shows up as 1-3 s connect delays.

`GetTokensFromRefreshToken` (how the app refreshes tokens, with or without refresh token
rotation) is answered like moto's own `InitiateAuth(REFRESH_TOKEN_AUTH)`, the client secret
checked as Cognito checks it (the call carries the secret itself, not a SECRET_HASH). Rotation
is not emulated (moto has no such client setting): the aws-smithy-mocks tests in
app/src/account/tests.rs cover a rotated token, its reuse, and two requests at once.
"""
import base64
import hashlib
import hmac
import os
import sys

# scripts/moto.py (our helper) would shadow the moto package.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]

# Authenticator (TOTP) codes are checked for real, with one fixed key for every user.
os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")

import werkzeug.serving  # noqa: E402

werkzeug.serving.BaseWSGIServer.request_queue_size = 4096

from moto.server import main  # noqa: E402
from moto.cognitoidp import models as cognito_models  # noqa: E402
from moto.cognitoidp.responses import CognitoIdpResponse  # noqa: E402
from moto.core.responses import ActionResult  # noqa: E402


def get_tokens_from_refresh_token(self):
    client_id = self._get_param("ClientId")
    refresh_token = self._get_param("RefreshToken")
    secret = self._get_param("ClientSecret")
    agnostic = self._get_region_agnostic_backend()
    params = {"REFRESH_TOKEN": refresh_token}
    for pool in agnostic._find_backend_for_clientid(client_id).user_pools.values():
        client = pool.clients.get(client_id)
        known = pool.refresh_tokens.get(refresh_token)
        if client and known and client.generate_secret:
            if secret != client.secret:
                raise cognito_models.NotAuthorizedError("Client secret is wrong")
            digest = hmac.new(client.secret.encode(), (known[1] + client.id).encode(), hashlib.sha256)
            params["SECRET_HASH"] = base64.b64encode(digest.digest()).decode()
    return ActionResult(agnostic.initiate_auth(client_id, "REFRESH_TOKEN_AUTH", params))


def admin_delete_software_token(self):
    """AdminDeleteSoftwareToken (moto 5.2.5 lacks it): the user's authenticator app is gone."""
    user = self.backend.admin_get_user(self._get_param("UserPoolId"), self._get_param("Username"))
    user.token_verified = False
    user.software_token_mfa_enabled = False
    return ActionResult({})


CognitoIdpResponse.get_tokens_from_refresh_token = get_tokens_from_refresh_token
CognitoIdpResponse.admin_delete_software_token = admin_delete_software_token

if __name__ == "__main__":
    sys.exit(main())
