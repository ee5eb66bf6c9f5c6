"""moto's server (the local Cognito emulator) with a deeper listen queue.

werkzeug listens with a backlog of 128; under the 500-flow load test the app's connections
overflow it and the kernel drops SYNs, which shows up as 1-3 s connect delays.
"""
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

if __name__ == "__main__":
    sys.exit(main())
