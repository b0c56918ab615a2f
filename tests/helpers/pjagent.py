"""A scriptable pjsua2 SIP user agent for end-to-end tests: ``python -m tests.helpers.pjagent``.

One JSON command per line on stdin, one JSON event per line on stdout, logs on stderr.
pjsua2 allows one Endpoint per process, so each agent is its own process (driver:
tests/helpers/agent.py).  The pjsua2 rules of DESIGN.md apply: threadCnt=0 and
mainThreadOnly with our own loop calling libHandleEvents, media bound to the configured
address, explicit codec priorities, ports kept >= 200 ms after disconnect, and every pj
object dropped plus gc.collect() before libDestroy.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from tests.helpers.pjagent_calls import AgentAccount, AgentCall, op

LINGER_S = 0.3  # how long pj objects outlive their use (DESIGN.md: >= 200 ms)
# Our own names: pjsip's stateText abbreviates DISCONNECTED to "DISCONNCTD".
STATES = {
    getattr(pj, f"PJSIP_INV_STATE_{name}"): name
    for name in ("NULL", "CALLING", "INCOMING", "EARLY", "CONNECTING", "CONFIRMED", "DISCONNECTED")
}
HOLD = {pj.PJSUA_CALL_MEDIA_LOCAL_HOLD: "local", pj.PJSUA_CALL_MEDIA_REMOTE_HOLD: "remote"}
DEFAULT_CODECS = ("G722", "PCMA", "PCMU")


class PjAgent:
    def __init__(self, args: argparse.Namespace, out: Any):
        self.args = args
        self.out = out
        self.quitting = False
        self.calls: list[AgentCall] = []  # live calls, oldest first
        # pj objects waiting out LINGER_S before they are deleted, with what to do then
        self.graveyard: list[tuple[float, Any, Callable[[], None] | None]] = []
        self.player: pj.AudioMediaPlayer | None = None
        self.recorder: pj.AudioMediaRecorder | None = None
        self.record_path = ""
        self.reg_acc: AgentAccount | None = None

        self.ep = pj.Endpoint()
        self.ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.userAgent = f"pjagent/{args.name}"
        cfg.logConfig.level = args.log_level
        cfg.logConfig.consoleLevel = args.log_level
        cfg.medConfig.ecTailLen = 0  # no echo canceller: a null device has no echo
        self.ep.libInit(cfg)
        self.sip_port, self.tcp_port = self._create_transports()
        self.ep.libStart()
        self.ep.audDevManager().setNullDev()
        self.codecs = self._set_codecs(args.codecs.split(",") if args.codecs else None)
        self.local_acc = self._make_account(
            f'"{args.name}" <sip:{args.name}@{args.bind}:{self.sip_port}>'
        )

    def _transport(self, kind: int, port: int) -> int:
        """A SIP transport bound to --bind (port 0: any free one); returns its port."""
        tc = pj.TransportConfig()
        tc.port, tc.boundAddress, tc.publicAddress = port, self.args.bind, self.args.bind
        if kind == pj.PJSIP_TRANSPORT_TLS:
            tc.tlsConfig.verifyServer = False  # test PBXs have throwaway self-signed certs
            if self.args.tls_cert:  # for the PBX that connects to this phone's TLS port
                tc.tlsConfig.certFile = self.args.tls_cert
                tc.tlsConfig.privKeyFile = self.args.tls_key
        tid = self.ep.transportCreate(kind, tc)
        return int(self.ep.transportGetInfo(tid).localName.rsplit(":", 1)[1])

    def _create_transports(self) -> tuple[int, int | None]:
        port = self._transport(pj.PJSIP_TRANSPORT_UDP, 0)
        if self.args.transport == "tls":  # reported as tcp_port: the stream transport's port
            return port, self._transport(pj.PJSIP_TRANSPORT_TLS, 0)
        if self.args.transport != "tcp":
            return port, None
        try:  # the same port number for TCP, so one sip_port serves both
            return port, self._transport(pj.PJSIP_TRANSPORT_TCP, port)
        except pj.Error:
            return port, self._transport(pj.PJSIP_TRANSPORT_TCP, 0)

    def _set_codecs(self, only: list[str] | None) -> list[str]:
        """Explicit priorities: the wanted codecs in order, others low (or off with --codecs)."""
        wanted = [c.strip().upper() for c in (only or DEFAULT_CODECS)]
        enabled: list[tuple[int, str]] = []
        for info in self.ep.codecEnum2():
            name = info.codecId.split("/", 1)[0].upper()
            if name in wanted:
                prio = 255 - wanted.index(name)
            else:
                prio = 0 if only else min(info.priority, 100)
            self.ep.codecSetPriority(info.codecId, prio)
            if prio:
                enabled.append((prio, info.codecId))
        return [codec for _, codec in sorted(enabled, reverse=True)]

    def _make_account(self, id_uri: str, reg: dict[str, Any] | None = None) -> AgentAccount:
        cfg = pj.AccountConfig()
        cfg.idUri = id_uri
        cfg.mediaConfig.transportConfig.boundAddress = self.args.bind
        cfg.mediaConfig.transportConfig.publicAddress = self.args.bind
        if self.args.srtp:  # SDES keys only over TLS
            cfg.mediaConfig.srtpUse = (pj.PJMEDIA_SRTP_MANDATORY if self.args.srtp == "mandatory"
                                       else pj.PJMEDIA_SRTP_OPTIONAL)
            cfg.mediaConfig.srtpSecureSignaling = 1
            if self.args.srtp_cryptos:  # only these suites, in this order (pj SrtpOpt)
                cryptos = pj.SrtpCryptoVector()
                for name in self.args.srtp_cryptos.split(","):
                    crypto = pj.SrtpCrypto()
                    crypto.name = name
                    cryptos.append(crypto)
                cfg.mediaConfig.srtpOpt.cryptos = cryptos
        acc = AgentAccount(self)
        if reg:
            acc.transport = reg.get("transport", "udp")
            suffix = f";transport={acc.transport}" if acc.transport in ("tcp", "tls") else ""
            cfg.regConfig.registrarUri = f"sip:{reg['server']}{suffix}"
            if reg.get("listener_contact") and self.tcp_port:
                # As desk phones do: the Contact names the port this phone listens on, not
                # the source port of its connection, so the PBX can connect to it.
                cfg.sipConfig.contactForced = (f"<sip:{reg['user']}@{self.args.bind}:"
                                               f"{self.tcp_port}{suffix}>")
            cfg.regConfig.timeoutSec = int(reg.get("expires", 300))
            cfg.sipConfig.authCreds.append(
                pj.AuthCredInfo("digest", "*", str(reg["user"]), 0, str(reg.get("password", "")))
            )
        acc.create(cfg, True)
        return acc

    def emit(self, event: str, **fields: Any) -> None:
        # "mono": the agent's CLOCK_MONOTONIC when it emitted (the same clock in every process
        # here), for benchmarks; agent.py's "t" is when the driver read the line.
        self.out.write(json.dumps({"event": event, **fields, "mono": time.monotonic()}) + "\n")
        self.out.flush()

    def on_incoming(self, acc: AgentAccount, call_id: int) -> None:
        call = AgentCall(self, acc, call_id)
        self.calls.append(call)
        info = call.getInfo()
        name = re.match(r'\s*"?([^"<]*?)"?\s*<', info.remoteUri)  # '"Alice" <sip:..>'
        remote_name = name.group(1).strip() if name else ""
        fields = {"from": info.remoteUri, "to": info.localUri, "remote_name": remote_name}
        self.emit("incoming", call_id=call_id, **fields)
        call.answer(op(180))  # ring, as a real phone does; answering is the test's decision

    def on_call_state(self, call: AgentCall) -> None:
        info = call.getInfo()
        state = STATES.get(info.state, info.stateText)
        code, reason = info.lastStatusCode, info.lastReason
        self.emit("call_state", call_id=info.id, state=state, code=code, reason=reason)
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED and not call.ended:
            call.ended = True
            call.media_active = False
            self.calls = [c for c in self.calls if c is not call]
            self._bury(call)  # deleted later, never inside its own callback
            if self.recorder is not None and not any(c.media_active for c in self.calls):
                self._finish_recording()

    def on_media_state(self, call: AgentCall) -> None:
        info = call.getInfo()
        audio = [m for m in info.media if m.type == pj.PJMEDIA_TYPE_AUDIO]
        status = audio[0].status if audio else pj.PJSUA_CALL_MEDIA_NONE
        call.media_active = status == pj.PJSUA_CALL_MEDIA_ACTIVE
        fields: dict[str, Any] = {"hold": HOLD.get(status, "none")}  # NONE, ACTIVE: "none"
        if audio and status != pj.PJSUA_CALL_MEDIA_NONE:
            try:
                stream = call.getStreamInfo(audio[0].index)
                fields["codec"] = f"{stream.codecName}/{stream.codecClockRate}"
            except pj.Error:
                pass
        if call.media_active:
            self._connect(call)
        self.emit("media_state", call_id=info.id, active=call.media_active, **fields)

    def _connect(self, call: AgentCall) -> None:
        """(Re)connect player and recorder: a re-INVITE may give the call a new conf port."""
        media = call.getAudioMedia(-1)
        if self.player is not None:
            self.player.startTransmit(media)
        if self.recorder is not None:
            media.startTransmit(self.recorder)

    def _active_media(self) -> list[pj.AudioMedia]:
        return [c.getAudioMedia(-1) for c in self.calls if c.media_active]

    def _finish_recording(self) -> None:
        recorder, path = self.recorder, self.record_path
        self.recorder = None
        for media in self._active_media():
            media.stopTransmit(recorder)
        # The WAV header is written when the recorder is destroyed: report only after that.
        self._bury(recorder, lambda: self._report_recording(path, time.monotonic() + 2.0))

    def _report_recording(self, path: str, deadline: float) -> None:
        """Emit "recorded" once the WAV header has its final sizes: the conference bridge
        removes ports asynchronously, so the file is closed a tick after the recorder is gone."""
        try:
            with open(path, "rb") as wav:
                riff_size = int.from_bytes(wav.read(8)[4:], "little")
            done = riff_size == os.path.getsize(path) - 8
        except OSError:
            done = False
        if done or time.monotonic() > deadline:
            self.emit("recorded", wav=path, complete=done)
        else:
            self.graveyard.append(
                (time.monotonic() + 0.02, None, lambda: self._report_recording(path, deadline))
            )

    def _bury(self, obj: Any, then: Callable[[], None] | None = None) -> None:
        self.graveyard.append((time.monotonic() + LINGER_S, obj, then))

    def reap(self, everything: bool = False) -> None:
        now = time.monotonic()
        due = [g for g in self.graveyard if everything or g[0] <= now]
        if not due:
            return
        self.graveyard = [g for g in self.graveyard if not (everything or g[0] <= now)]
        callbacks = [then for _, _, then in due if then is not None]
        due.clear()  # drop the last references: the pj objects are destroyed here
        for then in callbacks:
            then()

    def handle(self, line: str) -> None:
        try:
            cmd = json.loads(line)
            name = cmd.get("cmd", "")
            handler = getattr(self, f"cmd_{name}", None)
            if handler is None:
                raise ValueError(f"unknown command {name!r}")
            handler(cmd)
        except Exception as exc:
            if isinstance(exc, pj.Error):
                message = f"{exc.title}: {exc.reason} ({exc.status})"
            else:
                message = f"{type(exc).__name__}: {exc}"
            self.emit("error", message=message, line=line)

    def _call(self, cmd: dict[str, Any]) -> AgentCall:
        """The call named by "call_id", else the newest live one."""
        calls = [c for c in self.calls if cmd.get("call_id", c.getId()) == c.getId()]
        if not calls:
            raise LookupError(
                f"no call with call_id {cmd['call_id']}" if "call_id" in cmd else "no current call"
            )
        return calls[-1]

    def cmd_register(self, cmd: dict[str, Any]) -> None:
        if self.reg_acc is not None:
            self._bury(self.reg_acc)
        host = cmd["server"].rsplit(":", 1)[0] if "]" not in cmd["server"] else cmd["server"]
        uri = f"sip:{cmd['user']}@{cmd.get('domain', host)}"
        name = cmd.get("display_name", self.args.name)  # "" for none
        if name:
            uri = f'"{name}" <{uri}>'
        self.reg_acc = self._make_account(uri, cmd)

    def cmd_unregister(self, cmd: dict[str, Any]) -> None:
        if self.reg_acc is None:
            raise LookupError("not registered")
        self.reg_acc.setRegistration(False)

    def cmd_call(self, cmd: dict[str, Any]) -> None:
        acc = self.reg_acc or self.local_acc
        uri = cmd["uri"]
        if acc.transport in ("tcp", "tls") and "transport=" not in uri:
            uri += f";transport={acc.transport}"
        call = AgentCall(self, acc)
        self.calls.append(call)
        prm = op()
        for name, value in cmd.get("headers", {}).items():  # e.g. {"Privacy": "id"}
            header = pj.SipHeader()
            header.hName, header.hValue = name, value
            prm.txOption.headers.append(header)
        try:
            call.makeCall(uri, prm)
        except pj.Error:
            self.calls.remove(call)
            self._bury(call)
            raise

    def cmd_answer(self, cmd: dict[str, Any]) -> None:
        self._call(cmd).answer(op(int(cmd.get("code", 200))))

    def cmd_hangup(self, cmd: dict[str, Any]) -> None:
        self._call(cmd).hangup(op(int(cmd.get("code", 0))))  # 0: pjsua picks (603/487/BYE)

    def cmd_transfer(self, cmd: dict[str, Any]) -> None:
        """Blind transfer: REFER to cmd["uri"] (RFC 3515)."""
        self._call(cmd).xfer(cmd["uri"], op())

    def cmd_transfer_replaces(self, cmd: dict[str, Any]) -> None:
        """Attended transfer of call "call_id" to call "to_call_id" (REFER + Replaces)."""
        target = self._call({"call_id": cmd["to_call_id"]})
        self._call(cmd).xferReplaces(target, op())

    def cmd_hold(self, cmd: dict[str, Any]) -> None:
        self._call(cmd).setHold(op())

    def cmd_unhold(self, cmd: dict[str, Any]) -> None:
        self._call(cmd).reinvite(op(flag=pj.PJSUA_CALL_UNHOLD))

    def cmd_dtmf(self, cmd: dict[str, Any]) -> None:
        prm = pj.CallSendDtmfParam()
        prm.digits = str(cmd["digits"])
        # RFC 4733 telephone-event, or "info": SIP INFO with application/dtmf-relay
        prm.method = (pj.PJSUA_DTMF_METHOD_SIP_INFO if cmd.get("method") == "info"
                      else pj.PJSUA_DTMF_METHOD_RFC2833)
        if "duration" in cmd:
            prm.duration = int(cmd["duration"])
        self._call(cmd).sendDtmf(prm)

    def cmd_play(self, cmd: dict[str, Any]) -> None:
        player = pj.AudioMediaPlayer()
        player.createPlayer(str(cmd["wav"]), 0)  # options 0: loop at the end
        self.cmd_stop_play(cmd)
        self.player = player
        for media in self._active_media():
            player.startTransmit(media)

    def cmd_stop_play(self, cmd: dict[str, Any]) -> None:
        if self.player is not None:
            for media in self._active_media():
                self.player.stopTransmit(media)
            self._bury(self.player)
            self.player = None

    def cmd_record(self, cmd: dict[str, Any]) -> None:
        if self.recorder is not None:
            self._finish_recording()
        recorder = pj.AudioMediaRecorder()
        recorder.createRecorder(str(cmd["wav"]))
        self.recorder, self.record_path = recorder, str(cmd["wav"])
        for media in self._active_media():
            media.startTransmit(recorder)

    def cmd_stop_record(self, cmd: dict[str, Any]) -> None:
        if self.recorder is None:
            raise LookupError("not recording")
        self._finish_recording()  # emits "recorded" when the WAV file is complete

    def cmd_quit(self, cmd: dict[str, Any]) -> None:
        self.quitting = True

    def pump(self, seconds: float, until: Callable[[], bool] = lambda: False) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not until():
            self.ep.libHandleEvents(10)
            self.reap()

    def run(self) -> None:
        fd = sys.stdin.fileno()
        os.set_blocking(fd, False)
        pending = b""
        self.emit("ready", sip_port=self.sip_port, tcp_port=self.tcp_port, codecs=self.codecs)
        while not self.quitting:
            readable, _, _ = select.select([fd], [], [], 0)
            if readable:
                chunk = os.read(fd, 65536)
                if not chunk:  # the driver went away: behave as on quit
                    self.quitting = True
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.strip():
                        self.handle(line.decode())
            self.ep.libHandleEvents(10)
            self.reap()

    def shutdown(self) -> None:
        """Hang up, unregister and release everything in our own loop, then libDestroy.

        Done here rather than in libDestroy, which would busy-sleep a second for it.
        """
        if self.calls:
            self.ep.hangupAllCalls()
            self.pump(2.0, until=lambda: not self.calls)
        if self.recorder is not None:
            self._finish_recording()
        self.cmd_stop_play({})
        reg = self.reg_acc
        if reg is not None and reg.getInfo().regIsActive:
            reg.setRegistration(False)
            self.pump(2.0, until=lambda: not reg.getInfo().regIsActive)
        self.pump(LINGER_S + 0.05)  # ports live >= 200 ms after their last use
        self.reap(everything=True)
        for acc in (reg, self.local_acc):
            if acc is not None:
                acc.shutdown()
        self.calls.clear()
        self.reg_acc = self.local_acc = reg = acc = None  # type: ignore[assignment]
        gc.collect()  # no Call/Account/port may outlive the library (DESIGN.md)
        self.ep.libDestroy(pj.PJSUA_DESTROY_NO_RX_MSG)


def argument_parser(prog: str = "python -m tests.helpers.pjagent") -> argparse.ArgumentParser:
    """The agent's options; agents built on PjAgent (bench/client_probe.py) add theirs to it,
    so the namespace PjAgent reads always has every option."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--name", default="agent")
    parser.add_argument("--bind", default="127.0.0.1", help="address for SIP and media")
    parser.add_argument(
        "--transport", choices=("udp", "tcp", "tls"), default="udp",
        help="tcp: listen on TCP too; tls: a TLS client transport too (server not verified)",
    )
    parser.add_argument("--srtp", choices=("optional", "mandatory"),
                        help="SRTP with SDES keys, secure signalling required")
    parser.add_argument("--srtp-cryptos", help="e.g. AES_CM_128_HMAC_SHA1_32: only these "
                        "SDES suites, in this order (default: all pjmedia has)")
    parser.add_argument("--codecs", help="e.g. PCMU,PCMA: only these, in this order")
    parser.add_argument("--tls-cert", help="PEM certificate of the TLS listener")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--log-level", type=int, default=4, help="pjsip log level (stderr)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = argument_parser().parse_args(argv)
    # pjsip logs to fd 1: keep a private copy of stdout for events and send fd 1 to stderr.
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    agent = PjAgent(args, out)

    def stop(signum: int, frame: Any) -> None:
        agent.quitting = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        agent.run()
    finally:
        agent.shutdown()
    out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
