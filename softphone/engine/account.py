"""The SIP account: registration state as RegistrationInfo events, and re-registration
without being asked.

pjsua retries a failed REGISTER by itself only for "temporal" failures: 408, 480, 500,
502, 503, 504 and 6xx (pjsua_acc.c regc_cb(); AccountRegConfig.retryIntervalSec /
firstRetryIntervalSec), and after a connection-oriented transport to the registrar
drops (pjsua_acc_on_tp_state_changed).  Those we report as RETRYING.  Any other refusal
(403 wrong password, 404 unknown user) leaves pjsua idle, so we schedule the retry
ourselves after the same interval and report FAILED with the server's code and reason:
an office phone whose password was fixed on the PBX comes back without a click.
Over UDP a PBX restart is only noticed at the next refresh (RFC 3261 10.2.4): the PBX
keeps its bindings across restarts, so calls still reach us meanwhile.

Unregistering: pjsua clears ``regIsActive`` as soon as it *sends* the un-REGISTER
(expires 0), not when the registrar answers it, so "not registered any more" says nothing
about the PBX.  An account whose un-REGISTER is out is ``leaving`` until onRegState brings
the final response (2xx, a refusal, or pjsip's timeout): a replaced account is kept alive
(up to LEAVE_WAIT_S, checked by poll() without blocking the loop) so that its transaction
can be retransmitted or answer a digest challenge, and the engine's shutdown waits for
:meth:`AccountManager.unregistering` to become false before it destroys the library.
Otherwise the PBX keeps a stale binding: the user shows as available and calls ring a
process that is gone, until the binding expires.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from softphone.common.engine_protocol import AccountConfig, RegistrationInfo, RegState, to_data
from softphone.engine.endpoint import EngineEndpoint, Graveyard

log = logging.getLogger(__name__)

PJSUA_RETRIES = frozenset({408, 480, 500, 502, 503, 504})
REGISTER_EXPIRES = 300
# A replaced account is kept this long at most for the answer to its un-REGISTER: over UDP
# that covers the retransmissions at 0.5 and 1.5 s (RFC 3261 17.1.2.2, T1 = 500 ms).
LEAVE_WAIT_S = 2.0
NUMBER = re.compile(r"^[0-9A-Za-z*#+._-]+$")

Emit = Callable[[str, dict[str, Any]], None]


class EngineAccount(pj.Account):
    def __init__(self, manager: AccountManager) -> None:
        super().__init__()
        self.manager = manager
        self.retired = False     # replaced: its last callbacks are not ours to report
        self.leaving = False     # un-REGISTER sent, its final response not yet received

    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        self.leaving = False     # whatever it was: pjsua reports only final outcomes
        if not self.retired:
            self.manager.on_reg_state(prm.code, prm.reason, prm.expiration, prm.status)

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        if self.retired:
            prm_op = pj.CallOpParam(True)
            prm_op.statusCode = 480   # RFC 3261 21.4.18: we are (no longer) here
            call = pj.Call(self, prm.callId)
            call.hangup(prm_op)
            self.manager.graveyard.bury(call)   # never deleted right after hangup
            return
        self.manager.on_incoming(self, prm.callId)


def split_host(server: str) -> str:
    """The host of "host", "host:port", "[v6]" or "[v6]:port"."""
    if server.startswith("["):
        return server[: server.index("]") + 1]
    return server.rsplit(":", 1)[0] if server.count(":") == 1 else server


class AccountManager:
    """One account at a time (the softphone's user); set_account replaces it."""

    def __init__(self, endpoint: EngineEndpoint, emit: Emit, graveyard: Graveyard,
                 on_incoming: Callable[[pj.Account, int], None], retry_interval: int = 30,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.endpoint = endpoint
        self.emit = emit
        self.graveyard = graveyard
        self.on_incoming = on_incoming
        self.retry_interval = max(1, retry_interval)
        self.clock = clock
        self.config: AccountConfig | None = None
        self.account: EngineAccount | None = None
        self.info = RegistrationInfo(RegState.NONE)
        self.wanted = False          # do we want to be registered right now?
        self.retry_at: float | None = None
        # Replaced accounts whose un-REGISTER is out: (give up at, account).
        self.leaving: list[tuple[float, EngineAccount]] = []
        self.deferred = False        # the account registers when self.leaving is empty
        self.created = 0             # accounts made so far: the newest gets the top priority

    def _report(self, info: RegistrationInfo) -> None:
        self.info = info
        self.emit("registration", to_data(info))

    def configure(self, config: AccountConfig) -> None:
        """Replace the account; KeyError if its transport does not exist here."""
        transport_id = self.endpoint.transport_id(config.transport)
        self._retire_account()
        host = split_host(config.server)
        cfg = pj.AccountConfig()
        uri = f"sip:{config.user}@{host}"
        cfg.idUri = f'"{config.display_name}" <{uri}>' if config.display_name else uri
        cfg.sipConfig.transportId = transport_id
        # pjsua matches incoming requests to accounts by priority: the newest first, not a
        # replaced one that is still waiting for the answer to its un-REGISTER.
        self.created += 1
        cfg.priority = self.created
        cfg.sipConfig.authCreds.append(
            pj.AuthCredInfo("digest", "*", config.user, 0, config.password))
        cfg.regConfig.registrarUri = f"sip:{config.server}{self._param(config.transport)}"
        # The same user re-saved has the same Contact: a REGISTER that overtook the old
        # account's un-REGISTER would be undone by it.  So the new account registers once
        # the replaced ones have their answers (poll()).
        self.deferred = config.register and bool(self.leaving)
        cfg.regConfig.registerOnAdd = config.register and not self.deferred
        cfg.regConfig.timeoutSec = REGISTER_EXPIRES
        cfg.regConfig.retryIntervalSec = self.retry_interval
        cfg.regConfig.firstRetryIntervalSec = self.retry_interval
        # pjsua adds up to this many random seconds to each retry (avoids a registration
        # storm after a PBX restart); short test intervals would be swamped by it.
        cfg.regConfig.randomRetryIntervalSec = 0 if self.retry_interval < 10 else 5
        if self.endpoint.bind:
            cfg.mediaConfig.transportConfig.boundAddress = self.endpoint.bind
            cfg.mediaConfig.transportConfig.publicAddress = self.endpoint.bind
        account = EngineAccount(self)
        self.config, self.account = config, account
        self.wanted = config.register
        self.retry_at = None
        if config.register:
            self._report(RegistrationInfo(RegState.REGISTERING))
        account.create(cfg, True)
        if not config.register:
            self._report(RegistrationInfo(RegState.UNREGISTERED))

    @staticmethod
    def _param(transport: str) -> str:
        return "" if transport == "udp" else f";transport={transport}"

    def unregister(self) -> None:
        self.wanted = False
        self.retry_at = None
        self.deferred = False
        if self.account is None or not self._send_unregister(self.account):
            self._report(RegistrationInfo(RegState.UNREGISTERED))
        # else onRegState reports UNREGISTERED when the registrar has answered

    @staticmethod
    def _send_unregister(account: EngineAccount) -> bool:
        """Send the un-REGISTER if the account is registered; whether one went out (its
        answer arrives through onRegState, and account.leaving is true until then)."""
        if not account.getInfo().regIsActive:
            return False
        try:
            account.setRegistration(False)
        except pj.Error as exc:   # e.g. a refresh still in progress (PJSIP_EBUSY)
            log.warning("cannot unregister: %s: %s", exc.title, exc.reason)
            return False
        account.leaving = True
        return True

    def unregistering(self) -> bool:
        """Whether an un-REGISTER (of the account or of a replaced one) is still
        unanswered."""
        return any(a.leaving for a in self._all_accounts())

    def _all_accounts(self) -> list[EngineAccount]:
        current = [self.account] if self.account is not None else []
        return current + [account for _, account in self.leaving]

    def on_reg_state(self, code: int, reason: str, expiration: int, status: int) -> None:
        if 200 <= code < 300 and expiration > 0 and self.wanted:
            self.retry_at = None
            self._report(RegistrationInfo(RegState.REGISTERED, code, reason, expiration))
            return
        if 200 <= code < 300 or not self.wanted:
            self._report(RegistrationInfo(RegState.UNREGISTERED, code, reason))
            return
        if code in PJSUA_RETRIES or code >= 600:
            state = RegState.RETRYING             # pjsua schedules the next attempt
        else:
            # A transport error without a retry of pjsua's own is the network's fault
            # (RETRYING); a refusal is the server's (FAILED).  Both are retried by us.
            state = RegState.RETRYING if status != 0 else RegState.FAILED
            self.retry_at = self.clock() + self.retry_interval
        self._report(RegistrationInfo(state, code, reason, 0, self.retry_interval))

    def poll(self) -> None:
        """Our own retry timer and the replaced accounts, checked every loop turn."""
        if self.leaving:
            now = self.clock()
            done = [a for at, a in self.leaving if not a.leaving or now >= at]
            self.leaving = [(at, a) for at, a in self.leaving if a.leaving and now < at]
            for account in done:
                self.graveyard.bury(account)
        if self.deferred and not self.leaving:
            self.deferred = False
            if self.account is not None and self.wanted:
                self.account.setRegistration(True)
        if self.retry_at is not None and self.clock() >= self.retry_at:
            self.retry_at = None
            if self.account is not None and self.wanted:
                self._report(RegistrationInfo(RegState.REGISTERING))
                self.account.setRegistration(True)

    def require(self) -> tuple[EngineAccount, AccountConfig]:
        """The account to call from; LookupError when there is none."""
        if self.account is None or self.config is None:
            raise LookupError("no account")
        return self.account, self.config

    def target_uri(self, target: str) -> str:
        """A dialled number as a URI at the account's server; a SIP URI as it is.
        ValueError for something that is neither."""
        _, config = self.require()
        target = target.strip()
        if target.startswith(("sip:", "sips:")):
            return target
        if not NUMBER.match(target):
            raise ValueError(f"not a number: {target!r}")
        return f"sip:{target}@{config.server}{self._param(config.transport)}"

    def _retire_account(self) -> None:
        """Replace the account: a registered one is unregistered first and kept (leaving)
        until the registrar has answered, so it is not deleted under its transaction."""
        account = self.account
        if account is None:
            return
        account.retired = True
        if self._send_unregister(account):
            self.account = None
            self.leaving.append((self.clock() + LEAVE_WAIT_S, account))
        else:
            self._drop_account()

    def _drop_account(self, now: bool = False) -> None:
        """Retire the account.  pjsua2's ~Account deletes the pjsua account (and sends
        an un-REGISTER) by the id it had; pjsua reuses ids at once, so an explicit
        shutdown() followed by a later delete of the old object deleted the NEW account
        (seen here: assertion in pjsua_acc_set_registration).  So a replaced account is
        only buried: its destructor deletes it while the new one has another id."""
        account, self.account = self.account, None
        if account is not None:
            account.retired = True
            if now:
                account.shutdown()   # final teardown: no new account will take its id
            self.graveyard.bury(account)

    def is_registered(self) -> bool:
        return self.account is not None and bool(self.account.getInfo().regIsActive)

    def shutdown(self) -> None:
        """Final teardown; the caller has waited for :meth:`unregistering` (bounded)."""
        self.wanted = False
        for _, account in self.leaving:
            account.shutdown()
            self.graveyard.bury(account)
        self.leaving = []
        self._drop_account(now=True)
