"""Attack: replay a captured REGISTER (issue 15, point 5): the same Authorization again,
the same from another address, and an RFC 2069 answer without qop.

What must hold: none of them registers; the genuine phone's next request with a higher
nonce count still does.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from tests.helpers.pbxproc import PbxProcess
from tests.helpers.sipclient import SipClient, digest_response


def status_of(client: SipClient, user: str, auth: str, call_id: str, cseq: int) -> int | None:
    uri = f"sip:{client.server[0]}"
    client.send_raw(client.request("REGISTER", uri, user, call_id=call_id, cseq=cseq,
                                   headers=[("Authorization", auth)]).to_bytes())
    response = client.recv_final()
    return None if response is None else response.status


def test_replayed_and_qop_less_digests_are_refused(pbx: PbxProcess) -> None:
    server = ("127.0.0.1", pbx.sip_port)
    phone, eavesdropper = SipClient(server), SipClient(server, bind="127.0.0.2")
    uri = f"sip:{server[0]}"
    call_id = uuid.uuid4().hex
    try:
        phone.send_raw(phone.request("REGISTER", uri, "101", call_id=call_id).to_bytes())
        challenge = phone.recv_final()
        assert challenge is not None and challenge.status == 401
        www = challenge.headers.get("WWW-Authenticate") or ""
        captured = digest_response(www, "REGISTER", uri, "101", "pw101")
        assert status_of(phone, "101", captured, call_id, 2) == 200
        # The same nonce count again: a replay, even from the phone's own address.
        assert status_of(phone, "101", captured, call_id, 3) == 403
        pbx.wait_for("auth_failed", user="101")
        # From elsewhere the nonce is not valid at all: challenged afresh.
        assert status_of(eavesdropper, "101", captured, call_id, 4) == 401
        # The genuine phone goes on with the next nonce count.
        assert status_of(phone, "101", digest_response(www, "REGISTER", uri, "101", "pw101",
                                                       nc=2), call_id, 5) == 200
        # An RFC 2069 answer (no qop, no nc) would be replayable: refused.
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', www))
        md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731
        ha1 = md5(f"101:{params['realm']}:pw101")
        response = md5(f"{ha1}:{params['nonce']}:{md5(f'REGISTER:{uri}')}")
        old = (f'Digest username="101", realm="{params["realm"]}", nonce="{params["nonce"]}",'
               f' uri="{uri}", response="{response}", algorithm=MD5')
        assert status_of(phone, "101", old, call_id, 6) == 403
    finally:
        phone.close()
        eavesdropper.close()
