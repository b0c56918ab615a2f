"""The conference endpoint: its RFC 4733 receiver (each digit once, also when its end
packets were lost, never twice for retransmitted or reordered packets) and its latching
onto the participant only, not a stranger who sends first."""

from __future__ import annotations

from softphone.pbx.media.endpoint import RtpEndpoint
from softphone.pbx.media.rtp import TelephoneEvent, build_rtp

PEER = ("127.0.0.1", 40000)
DTMF_PT = 101


def endpoint() -> tuple[RtpEndpoint, list[str]]:
    ep = RtpEndpoint(pool=None, port=30000, rtcp=None)  # type: ignore[arg-type]
    ep.dtmf_pt = DTMF_PT
    digits: list[str] = []
    ep.on_digit = digits.append
    return ep, digits


def send(ep: RtpEndpoint, seq: int, ts: int, event: int, end: bool) -> None:
    payload = TelephoneEvent(event=event, end=end, volume=10, duration=800).to_bytes()
    ep.datagram_received(build_rtp(DTMF_PT, seq, ts, 1234, payload), PEER)


def key(ep: RtpEndpoint, seq: int, ts: int, event: int, *, ends: int = 3) -> int:
    """A digit as phones send it: start packets, then its end packet `ends` times."""
    for i in range(3):
        send(ep, seq + i, ts, event, end=False)
    for i in range(ends):
        send(ep, seq + 3 + i, ts, event, end=True)
    return seq + 3 + ends


def test_each_digit_is_reported_once() -> None:
    ep, digits = endpoint()
    seq = 1
    for n, event in enumerate([4, 7, 1, 1, 11]):       # "4711#"
        seq = key(ep, seq, 8000 + n * 1600, event)
    assert "".join(digits) == "4711#"


def test_a_digit_whose_end_packets_were_lost_is_ended_by_the_next_one() -> None:
    ep, digits = endpoint()
    seq = key(ep, 1, 8000, 4)
    seq = key(ep, seq, 9600, 7, ends=0)                 # all three end packets lost
    seq = key(ep, seq, 11200, 1)
    assert "".join(digits) == "471"


def test_a_late_packet_of_an_earlier_digit_is_ignored() -> None:
    ep, digits = endpoint()
    seq = key(ep, 1, 8000, 4)
    seq = key(ep, seq, 9600, 7)
    send(ep, 2, 8000, 4, end=True)                      # reordered, from the first digit
    key(ep, seq, 11200, 1)
    assert "".join(digits) == "471"


def test_a_stranger_sending_first_is_not_latched_onto() -> None:
    ep, digits = endpoint()
    ep.set_remote(("127.0.0.1", 40000), signalling_host="127.0.0.9")
    stranger = ("127.0.0.5", 40000)
    payload = TelephoneEvent(event=4, end=True, volume=10, duration=800).to_bytes()
    ep.datagram_received(build_rtp(DTMF_PT, 1, 8000, 99, payload), stranger)
    assert ep.latched is None and digits == [] and ep.dropped == 1
    send(ep, 2, 9600, 7, end=True)                      # the phone, at its SDP address
    assert ep.latched == PEER and digits == ["7"]
    behind_nat = ("127.0.0.9", 50000)                   # the host its SIP came from
    ep.set_remote(("10.0.0.8", 4000), signalling_host="127.0.0.9")
    ep.datagram_received(build_rtp(DTMF_PT, 3, 11200, 1234, payload), behind_nat)
    assert ep.latched == behind_nat and digits == ["7", "4"]
