"""The SMS auto-reply daemon: receive, store, look up, reply, for years on a cheap modem or a
telco's short code.

Threads and who does what::

    transport        moves messages (smsd.transports: a modem's thread, one per modem of a
                     pool, the SMPP link's thread, Kannel's HTTP and sendsms threads); keeps
                     each received SMS in the store (through the Inbox) before acknowledging
                     it, joining a long SMS in the same transaction as its last part
    pipeline thread  joins long SMS whose parts stopped coming, applies the abuse rules,
                     answers what needs no lookup (instructions, a wrong code), hands the
                     lookups to the workers, picks a route for each due reply and hands it
                     to the transport
    lookup workers   ask the status API (backend_client) and compose replies; a slow or
                     dead API never blocks the transport
    main thread      signals, sd_notify readiness, status and watchdog pings

Every step leaves its result in the SQLite store before the next one starts, so a restart
(after SIGKILL, a power cut, systemd's watchdog) continues exactly where the last run
stopped: received-but-unanswered messages are looked up, stored-but-unsent replies are sent.
A send is journalled by the thread that submits it (``smsd._sending``): "sending" is
committed before a part leaves (``AT+CMGS``, ``submit_sm``, ``sendsms``) and the outcome the
moment the network answers, so the only replies a crash can double are those cut off inside
that exchange; those are sent again once, from the part in flight, and counted in the usage
events. An SMPP SMSC delivers again what it did not hear acknowledged; after a crash the last
acknowledgements are put in doubt, so that such a re-delivery is recognised.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import functools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager

from backend_client import (
    BackendError,
    CodeRejected,
    DossierNotFound,
    LastKnownStore,
    LookupKeyRejected,
    LookupKeyRequired,
    OfficeRetired,
    StatusClient,
    fleet_reporter,
)
from dossier import CodeFamilies
from hardware.modem import set_traffic_logging
from onestop.config import Config, ConfigError, load_config
from onestop.fleet import Outcome, Role
from onestop.links import public_lookup_page
from onestop.notify import Notifier
from smsd._compose import (
    Answer,
    Composer,
    Found,
    Invalid,
    KeyRejected,
    KeyRequired,
    NotFound,
    Retired,
    Stale,
    Unavailable,
)
from smsd._fleet import SOURCE as FLEET_SOURCE
from smsd._fleet import SmsFigures
from smsd._parse import Intent, Request, parse_message
from smsd._policy import Policy, Verdict
from smsd._sending import ReplyJournal, RetryPolicy
from smsd._store import Kept, Message, Note, Origin, Outgoing, Store, UsageEvent
from smsd.transports import (
    ACK_DOUBT,
    Inbox,
    Receipt,
    Received,
    RouteState,
    Sent,
    SimUsage,
    Submission,
    Transport,
    TransportKind,
    build_transport,
)

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_MODEM = 1
"""The transport cannot be used (a dead modem, every modem of a pool dead): restart."""


class _RetryLater(Exception):
    """The API is down and the message may still wait for it."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Settings:
    """What the pipeline needs from the configuration; swapped whole on SIGHUP."""

    composer: Composer
    policy: Policy
    help_words: tuple[str, ...]
    families: CodeFamilies
    patience: float
    multipart_timeout: float
    retry: RetryPolicy
    hourly_cap: int
    keep_seconds: float

    @classmethod
    def from_config(cls, config: Config) -> _Settings:
        smsd = config.smsd
        own = (smsd.own_number, *(modem.number for modem in config.modems.values()))
        return cls(
            composer=Composer(
                alphabet=smsd.reply_alphabet,
                max_parts=smsd.max_parts,
                keyword=smsd.keywords[0] if smsd.keywords else "HS",
                example=smsd.example_code,
                guide=config.guidance.guide(hotline=smsd.hotline),
                web=public_lookup_page(config),
            ),
            policy=Policy(
                sender_limit=smsd.sender_limit,
                sender_window=smsd.sender_window,
                loop_repeats=smsd.loop_repeats,
                loop_window=smsd.loop_window,
                deny=smsd.deny,
                own_numbers=tuple(number for number in own if number),
            ),
            help_words=smsd.help_words,
            families=config.codes.code_families(),
            patience=smsd.backend_patience,
            multipart_timeout=smsd.multipart_timeout,
            retry=RetryPolicy(smsd.send_retries, smsd.send_backoff),
            hourly_cap=smsd.hourly_send_cap,
            keep_seconds=smsd.keep_days * 86400.0,
        )


def _restart_needed(old: Config, new: Config) -> bool:
    """Whether a reload changes what only a restart can: the store or the transport."""
    return (
        old.smsd.database != new.smsd.database
        or old.smsd.transport != new.smsd.transport
        or old.modem != new.modem
        or old.modems != new.modems
        or old.smpp != new.smpp
        or old.kannel != new.kannel
    )


def _traffic_logged(config: Config) -> bool:
    """Whether raw AT traffic is logged: asked for in [modem] or any [modem.NAME]."""
    return config.modem.log_traffic or any(m.log_traffic for m in config.modems.values())


class _DaemonInbox:
    """What the transport tells the daemon (see ``smsd.transports.Inbox``)."""

    def __init__(self, daemon: SmsDaemon) -> None:
        self._daemon = daemon

    def received(self, received: Received) -> object:
        """Keep before the transport acknowledges; raising keeps it with its deliverer."""
        daemon = self._daemon
        incoming = received.incoming
        kept = daemon.store.receive(
            incoming,
            origin=Origin(
                transport=daemon.transport_kind,
                sim=received.via,
                key=received.key,
                acknowledged_later=received.acknowledged_later,
            ),
        )
        if incoming.error:
            log.warning(
                "kept an undecodable SMS from %s: %s", incoming.sender or "?", incoming.error
            )
        elif kept.fresh:
            part = f" (part {incoming.part.number}/{incoming.part.total})" if incoming.part else ""
            log.info("received from %s%s", incoming.sender, part)
        else:
            log.info("ignored a re-delivered SMS from %s", incoming.sender)
        daemon.wake()
        return kept

    def acknowledged(self, token: object) -> None:
        if isinstance(token, Kept):
            self._daemon.store.acknowledge(token)

    def acknowledgements_in_doubt(self, since: float) -> None:
        taken = self._daemon.store.doubt_acknowledgements(self._daemon.transport_kind, since)
        if taken:
            log.info("%d acknowledgement(s) before the link broke may not have arrived", taken)

    def receipt(self, receipt: Receipt) -> bool:
        return self._daemon.store.receipt(
            self._daemon.transport_kind, receipt.reference, receipt.state
        )

    def route_changed(self, route: str, state: RouteState, detail: str) -> None:
        self._daemon.route_changed(route, state, detail)

    def batch(self) -> AbstractContextManager[None]:
        return self._daemon.store.batch()


class SmsDaemon:
    """One running daemon; :meth:`run` blocks until stopped and returns the exit code."""

    def __init__(
        self,
        config: Config,
        *,
        notifier: Notifier | None = None,
        client_factory: Callable[[Config, LastKnownStore], StatusClient] | None = None,
        transport_factory: Callable[[Config, Inbox], Transport] = build_transport,
    ) -> None:
        if problems := config.check():  # a Config built in code is checked here too
            raise ConfigError(str(config.path or "(defaults)"), problems)
        self.config = config
        self._notifier = notifier or Notifier()
        self._client_factory = client_factory or (
            lambda cfg, known: StatusClient.from_config(cfg.backend, last_known=known)
        )
        self._settings = _Settings.from_config(config)
        self.store = Store(config.smsd.database)
        self._known = LastKnownStore(
            config.smsd.database, max_age=config.backend.last_known_max_age
        )
        self._client = self._client_factory(config, self._known)
        self.transport_kind = TransportKind(config.smsd.transport)
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._wake = threading.Event()
        self._attention = threading.Event()
        self._lock = threading.Lock()
        self._messages_in_flight: set[int] = set()
        self._senders_in_flight: Counter[str] = Counter()
        self._replies_in_flight: set[int] = set()
        self._capped = False
        self._waiting = False
        """Due replies wait for a route (every SIM capped, down or set aside)."""
        self._workers = concurrent.futures.ThreadPoolExecutor(
            config.smsd.lookup_workers, thread_name_prefix="lookup"
        )
        self._pipeline_beat = time.monotonic()
        self._next_prune = 0.0
        self._pipeline = threading.Thread(target=self._run_pipeline, name="pipeline", daemon=True)
        self.ready = threading.Event()
        """Set once the transport can move messages and the pipeline runs."""
        self.transport = transport_factory(config, _DaemonInbox(self))
        figures = SmsFigures(
            self.store,
            self.transport,
            kind=self.transport_kind,
            hourly_cap=lambda: self._settings.hourly_cap,
        )
        database = config.smsd.database
        self.fleet = fleet_reporter(
            config,
            role=Role.SMS,
            default_outbox=database.with_name(f"{database.stem}-fleet.sqlite3"),
            collect=figures,
            api_figures=lambda: self._client.stats.figures(),  # noqa: PLW0108 (replaced on reload)
            usage_source=(FLEET_SOURCE, figures.usage_after),
            on_alerts=figures.take_alerts,
        )
        """Heartbeats and usage events for the gateway's fleet page ([fleet] enabled)."""

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> SmsDaemon:
        set_traffic_logging(_traffic_logged(self.config))
        if not self.store.started() and self.transport_kind is TransportKind.SMPP:
            # Killed: the SMSC may not have read the last deliver_sm_resp it was sent.
            last = self.store.last_acknowledgement(self.transport_kind)
            if last is not None:
                self.store.doubt_acknowledgements(self.transport_kind, last - ACK_DOUBT)
        for reply_id in self.store.cut_off():
            again = self.store.interrupted(reply_id, "the daemon stopped inside this reply's send")
            log.warning(
                "reply %d was cut off inside its send by the last stop; %s",
                reply_id,
                "sending it once more (counted)" if again else "it was cut off before: given up",
            )
        counts = self.store.counts()
        pending = counts.get("messages_new", 0) + counts.get("replies_pending", 0)
        if pending:
            log.info(
                "resuming: %d message(s) to answer, %d reply(ies) to send",
                counts.get("messages_new", 0),
                counts.get("replies_pending", 0),
            )
        self._pipeline.start()
        self.transport.start()
        if self.fleet is not None:
            self.fleet.start()
        return self

    def request_stop(self) -> None:
        """Finish the messages in hand, then exit (SIGTERM)."""
        self._stop.set()
        self._wake.set()
        self._attention.set()

    def request_reload(self) -> None:
        """Read the configuration file again (SIGHUP)."""
        self._reload.set()
        self._attention.set()

    def run(self) -> int:
        """Serve until stopped or until the transport is beyond recovery; the exit code."""
        self.start()
        last_status = 0.0
        interval = self._notifier.watchdog_interval or 1.0
        try:
            while not self._stop.is_set():
                if self.transport.finished.is_set():
                    log.error(
                        "the %s transport cannot be used (%s); exiting so that the service "
                        "restarts",
                        self.transport_kind,
                        self.transport.failure,
                    )
                    return EXIT_MODEM
                if self._reload.is_set():
                    self._reload.clear()
                    self.reload()
                if not self.ready.is_set() and self.transport.ready.is_set():
                    self.ready.set()
                    status = self.status_text()
                    self._notifier.ready(status)
                    log.info("ready: %s", status)
                if self._healthy():
                    self._notifier.watchdog()
                if time.monotonic() - last_status >= 10:
                    last_status = time.monotonic()
                    self._notifier.status(self.status_text())
                self._attention.wait(min(interval, 1.0))
                self._attention.clear()
            return EXIT_OK
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        self._notifier.stopping("stopping: finishing the messages in hand")
        self._stop.set()
        self._wake.set()
        if self._pipeline.is_alive():
            self._pipeline.join(30)
        # Lookups in flight end by their deadline; those not started stay for the next start.
        self._workers.shutdown(wait=True, cancel_futures=True)
        modems = [self.config.modem, *self.config.modems.values()]
        self.transport.stop(max(modem.send_timeout for modem in modems) + 5)
        if self.fleet is not None:
            self.fleet.stop()
        self._client.close()
        self._known.close()
        self.store.stopped()
        self.store.close()
        log.info("stopped")

    def reload(self) -> None:
        path = self.config.path
        self._notifier.reloading()
        try:
            config = load_config(path)
        except ConfigError as exc:
            log.error("reload refused, keeping the running configuration: %s", exc)
            self._notifier.ready(self.status_text())
            return
        if _restart_needed(self.config, config):
            log.warning(
                "changes to [smsd] database and transport, [modem], [modem.NAME], [smpp] and "
                "[kannel] take effect after a restart"
            )
        old_client = self._client
        self._client = self._client_factory(config, self._known)
        self._settings = _Settings.from_config(config)
        self.config = dataclasses.replace(
            config,
            smsd=dataclasses.replace(
                config.smsd,
                database=self.config.smsd.database,
                transport=self.config.smsd.transport,
            ),
            modem=self.config.modem,
            modems=self.config.modems,
            smpp=self.config.smpp,
            kannel=self.config.kannel,
        )
        set_traffic_logging(_traffic_logged(config))
        old_client.close()
        log.info("configuration reloaded from %s", path)
        self._notifier.ready(self.status_text())

    def _healthy(self) -> bool:
        return (
            time.monotonic() - self._pipeline_beat < 30
            and self._pipeline.is_alive()
            and not self.transport.finished.is_set()
        )

    def status_text(self) -> str:
        counts = self.store.counts()
        routes = ", ".join(
            f"{route.name or self.transport_kind} {route.state}"
            + (f" ({route.detail})" if route.detail else "")
            for route in self.transport.routes()
        )
        return (
            f"{routes}; "
            f"{counts.get('replies_sent', 0)} replies sent, "
            f"{counts.get('messages_new', 0)} to answer, "
            f"{counts.get('replies_pending', 0)} to send"
        )

    def wake(self) -> None:
        """Something changed that the pipeline should look at."""
        self._wake.set()

    def route_changed(self, route: str, state: RouteState, detail: str) -> None:
        self._notifier.status(f"{route or self.transport_kind} {state}: {detail}")
        self._wake.set()
        self._attention.set()

    # -- the pipeline thread -----------------------------------------------------------------

    def _run_pipeline(self) -> None:
        while True:
            self._pipeline_beat = time.monotonic()
            try:
                if self._stop.is_set():
                    return
                settings = self._settings
                self.store.expire_parts(settings.multipart_timeout)
                self._prune_daily(settings)
                self._dispatch_messages(settings)
                self._dispatch_replies(settings)
            except Exception:
                log.exception("pipeline step failed; trying again")
            self._wake.wait(self._next_wait())
            self._wake.clear()

    def _prune_daily(self, settings: _Settings) -> None:
        now = time.time()
        if now < self._next_prune:
            return
        self._next_prune = now + 86400
        removed = self.store.prune(now - settings.keep_seconds)
        forgotten = self._known.prune(dt.datetime.now(dt.UTC))
        if removed or forgotten:
            log.info("pruned %d old rows and %d stale statuses", removed, forgotten)

    def _next_wait(self) -> float:
        now = time.time()
        deadlines = [
            self.store.next_part_deadline(self._settings.multipart_timeout),
            self.store.next_message_retry(),
            # capped, or no route free: nothing to send until a reply or a route frees up
            None if self._capped or self._waiting else self.store.next_reply_at(),
        ]
        soonest = min((d for d in deadlines if d is not None), default=now + 1.0)
        return min(max(soonest - now, 0.01), 1.0)

    def _dispatch_messages(self, settings: _Settings) -> None:
        for message in self.store.due_messages():
            with self._lock:
                if message.id in self._messages_in_flight:
                    continue
            decision = settings.policy.decide(
                self.store, message, in_flight=self._senders_in_flight[message.sender]
            )
            if decision.why is not None:  # every IGNORE says why
                log.info("no reply to %s: %s", message.sender, decision.why)
                self.store.ignore(message.id, decision.why)
                continue
            if decision.verdict is Verdict.NOTICE:
                log.info("%s reached the lookup limit; sending one notice", message.sender)
                self.store.answer(
                    message, settings.composer.limit_notice(), [], note=Note.LIMIT_NOTICE
                )
                continue
            request = parse_message(
                message.text, help_words=settings.help_words, families=settings.families
            )
            with self._lock:
                self._messages_in_flight.add(message.id)
                self._senders_in_flight[message.sender] += 1
            if request.queries:
                self._workers.submit(self._answer, message, request, settings)
            else:
                # The instructions, or what is wrong with a code, need no status API: answered
                # at once, never behind lookups that a slow API holds up to their deadline.
                self._answer(message, request, settings)

    def _dispatch_replies(self, settings: _Settings) -> None:
        now = time.time()
        sent = self.store.sent_since(now - 3600)
        capped = sent >= settings.hourly_cap
        if capped != self._capped:
            self._capped = capped
            if capped:
                log.warning("hourly send cap of %d reached; replies wait", settings.hourly_cap)
            else:
                log.info("below the hourly send cap again; sending the waiting replies")
        room = settings.hourly_cap - sent - len(self._replies_in_flight)
        if room <= 0:
            return
        usage: dict[str, SimUsage] = {}
        if self.transport_kind is TransportKind.MODEM_POOL:  # the only one with caps per SIM
            usage = {
                sim: SimUsage(hour, day) for sim, (hour, day) in self.store.sim_usage(now).items()
            }
        waiting = False
        for reply in self.store.due_replies(now, limit=min(room, 500)):
            with self._lock:
                if reply.id in self._replies_in_flight:
                    continue
            submission = Submission(
                reply.recipient,
                reply.text,
                reference=reply.concat_ref,
                first_part=reply.parts_sent + 1,
                key=str(reply.id),
                # A route of this transport; a message from before a change of transport
                # leaves by whichever route this one picks.
                via=reply.via if reply.transport == self.transport_kind else "",
            )
            route = self.transport.route_for(submission, usage)
            if route is None:
                waiting = True
                continue
            with self._lock:
                self._replies_in_flight.add(reply.id)
            future = self.transport.send(
                dataclasses.replace(submission, route=route),
                ReplyJournal(self.store, reply, settings.retry, route=route),
            )
            future.add_done_callback(functools.partial(self._sent, reply))
        self._waiting = waiting

    def _sent(self, reply: Outgoing, _future: concurrent.futures.Future[Sent]) -> None:
        """On the sending thread, after the journal wrote the outcome down: let it go."""
        with self._lock:
            self._replies_in_flight.discard(reply.id)
        self._wake.set()

    # -- answering (lookup workers; the pipeline thread for what needs no lookup) ---------------

    def _answer(self, message: Message, request: Request, settings: _Settings) -> None:
        try:
            reply, events, note = self._compose(message, request, settings)
            self.store.answer(message, reply, events, note=note)
        except _RetryLater:
            delay = min(30.0, max(0.5, settings.patience / 10))
            self.store.retry_later(message.id, time.time() + delay)
        except Exception:
            log.exception("answering a message from %s failed; trying again later", message.sender)
            self.store.retry_later(message.id, time.time() + 5)
        finally:
            with self._lock:
                self._messages_in_flight.discard(message.id)
                self._senders_in_flight[message.sender] -= 1
                if self._senders_in_flight[message.sender] <= 0:
                    del self._senders_in_flight[message.sender]
            self._wake.set()

    def _compose(
        self, message: Message, request: Request, settings: _Settings
    ) -> tuple[str, list[UsageEvent], Note]:
        started = time.monotonic()
        composer = settings.composer

        def event(outcome: Outcome, status: str | None = None) -> UsageEvent:
            return UsageEvent(outcome, status, int((time.monotonic() - started) * 1000))

        if message.missing_parts and not request.queries and request.intent is not Intent.HELP:
            # The part with the code never came, or cut it short: "wrong code" would mislead.
            return composer.incomplete(), [event(Outcome.INCOMPLETE)], Note.INCOMPLETE
        if request.intent is Intent.HELP:
            return composer.usage(), [event(Outcome.HELP)], Note.HELP
        if request.intent is Intent.UNKNOWN:
            return composer.usage(), [event(Outcome.UNKNOWN)], Note.UNKNOWN
        answers: list[Answer] = []
        events: list[UsageEvent] = []
        waited = time.time() - message.received_at
        for query in request.queries:
            try:
                # The receipt's key, when the message carries one, goes on to the dossier's
                # system (some show nothing without it); the reply never shows personal data.
                dossier = self._client.lookup(query.code, query.lookup_key).without_applicant()
            except OfficeRetired as exc:
                answers.append(Retired(query.code, exc.message_vi))
                events.append(event(Outcome.NOT_FOUND))
            except DossierNotFound:
                answers.append(NotFound(query.code))
                events.append(event(Outcome.NOT_FOUND))
            except (LookupKeyRequired, LookupKeyRejected) as exc:
                # Counted with the refused codes: the code alone did not get a status.
                needed = isinstance(exc, LookupKeyRequired)
                answers.append(KeyRequired(query.code) if needed else KeyRejected(query.code))
                events.append(event(Outcome.REJECTED))
            except CodeRejected:
                answers.append(NotFound(query.code))
                events.append(event(Outcome.REJECTED))
            except BackendError as exc:
                if waited < settings.patience:
                    log.warning("status API unavailable (%s); will ask again", exc)
                    raise _RetryLater from exc
                if exc.last_known is not None:
                    answers.append(Stale(query.code, exc.last_known))
                    events.append(event(Outcome.LAST_KNOWN, str(exc.last_known.dossier.status)))
                else:
                    answers.append(Unavailable(query.code))
                    events.append(event(Outcome.UNAVAILABLE))
            else:
                answers.append(Found(query.code, dossier))
                events.append(event(Outcome.FOUND, str(dossier.status)))
        for error in request.errors:
            answers.append(Invalid(error))
            events.append(event(Outcome.INVALID_CODE))
        if message.missing_parts:
            log.info(
                "answering a long SMS from %s with %d part(s) missing",
                message.sender,
                message.missing_parts,
            )
        return composer.reply(answers, dropped=request.dropped), events, Note.LOOKUP
