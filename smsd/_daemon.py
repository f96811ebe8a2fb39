"""The SMS auto-reply daemon: receive, store, look up, reply, for years on a cheap modem.

Threads and who does what::

    modem thread     owns the serial port (hardware.modem); stores each received SMS
                     through on_message before deleting it from the modem, joining a long
                     SMS in the same transaction as its last part
    pipeline thread  joins long SMS whose parts stopped coming, applies the abuse rules,
                     hands messages to the lookup workers, hands due replies to the modem
    lookup workers   ask the status API (backend_client) and compose replies; a slow or
                     dead API never blocks the modem
    main thread      signals, sd_notify readiness, status and watchdog pings

Every step leaves its result in the SQLite store before the next one starts, so a restart
(after SIGKILL, a power cut, systemd's watchdog) continues exactly where the last run
stopped: received-but-unanswered messages are looked up, stored-but-unsent replies are sent.
A send is journalled by the modem thread itself (``smsd._sending``): "sending" is committed
before ``AT+CMGS`` and the outcome the moment ``+CMGS:`` is read, so the only replies a crash
can double are those cut off inside ``AT+CMGS``; those are sent again once, from the part in
flight, and counted in the usage events.
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

from backend_client import (
    BackendError,
    CodeRejected,
    DossierNotFound,
    LastKnownStore,
    StatusClient,
    fleet_reporter,
)
from dossier import CodeFamilies
from hardware.modem import (
    Incoming,
    Modem,
    ModemSettings,
    ModemState,
    SendReceipt,
    set_traffic_logging,
)
from onestop.config import Config, ConfigError, load_config
from onestop.fleet import Role
from onestop.links import public_lookup_page
from onestop.notify import Notifier
from smsd._compose import Answer, Composer, Found, Invalid, NotFound, Stale, Unavailable
from smsd._fleet import SOURCE as FLEET_SOURCE
from smsd._fleet import SmsFigures
from smsd._parse import Intent, parse_message
from smsd._policy import Policy, Verdict
from smsd._sending import ReplyJournal, RetryPolicy
from smsd._store import Message, Note, Outcome, Outgoing, Store, UsageEvent

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_MODEM = 1


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
                own_number=smsd.own_number,
            ),
            help_words=smsd.help_words,
            families=config.codes.code_families(),
            patience=smsd.backend_patience,
            multipart_timeout=smsd.multipart_timeout,
            retry=RetryPolicy(smsd.send_retries, smsd.send_backoff),
            hourly_cap=smsd.hourly_send_cap,
            keep_seconds=smsd.keep_days * 86400.0,
        )


def modem_settings(config: Config) -> ModemSettings:
    modem = config.modem
    return ModemSettings(
        port=modem.port,
        baudrate=modem.baudrate,
        pin=modem.pin or None,
        smsc=modem.smsc or None,
        heartbeat_interval=modem.heartbeat_interval,
        command_timeout=modem.command_timeout,
        send_timeout=modem.send_timeout,
        sweep_interval=modem.sweep_interval,
        reopen_window=modem.reopen_window,
        reset_wait=modem.reset_wait,
    )


class SmsDaemon:
    """One running daemon; :meth:`run` blocks until stopped and returns the exit code."""

    def __init__(
        self,
        config: Config,
        *,
        notifier: Notifier | None = None,
        client_factory: Callable[[Config, LastKnownStore], StatusClient] | None = None,
    ) -> None:
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
        self.modem = Modem(
            modem_settings(config), on_message=self._on_message, on_state=self._on_modem_state
        )
        figures = SmsFigures(self.store, self.modem, hourly_cap=lambda: self._settings.hourly_cap)
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
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._wake = threading.Event()
        self._attention = threading.Event()
        self._lock = threading.Lock()
        self._messages_in_flight: set[int] = set()
        self._senders_in_flight: Counter[str] = Counter()
        self._replies_in_flight: set[int] = set()
        self._capped = False
        self._workers = concurrent.futures.ThreadPoolExecutor(
            config.smsd.lookup_workers, thread_name_prefix="lookup"
        )
        self._pipeline_beat = time.monotonic()
        self._next_prune = 0.0
        self._pipeline = threading.Thread(target=self._run_pipeline, name="pipeline", daemon=True)
        self.ready = threading.Event()
        """Set once the modem is set up and the pipeline runs."""

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> SmsDaemon:
        set_traffic_logging(self.config.modem.log_traffic)
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
        self.modem.start()
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
        """Serve until stopped or until the modem is beyond recovery; the exit code."""
        self.start()
        last_status = 0.0
        interval = self._notifier.watchdog_interval or 1.0
        try:
            while not self._stop.is_set():
                if self.modem.finished.is_set():
                    log.error(
                        "the modem cannot be used (%s); exiting so that the service restarts",
                        self.modem.failure,
                    )
                    return EXIT_MODEM
                if self._reload.is_set():
                    self._reload.clear()
                    self.reload()
                if not self.ready.is_set() and self.modem.state is ModemState.READY:
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
        self.modem.stop(self.config.modem.send_timeout + 5)
        if self.fleet is not None:
            self.fleet.stop()
        self._client.close()
        self._known.close()
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
        if config.modem != self.config.modem or config.smsd.database != self.config.smsd.database:
            log.warning("[modem] and [smsd] database changes take effect after a restart")
        old_client = self._client
        self._client = self._client_factory(config, self._known)
        self._settings = _Settings.from_config(config)
        self.config = dataclasses.replace(config, modem=self.config.modem)
        set_traffic_logging(config.modem.log_traffic)
        old_client.close()
        log.info("configuration reloaded from %s", path)
        self._notifier.ready(self.status_text())

    def _healthy(self) -> bool:
        return (
            time.monotonic() - self._pipeline_beat < 30
            and self._pipeline.is_alive()
            and not self.modem.finished.is_set()
        )

    def status_text(self) -> str:
        counts = self.store.counts()
        signal = "?" if self.modem.signal is None else f"{self.modem.signal}/31"
        return (
            f"modem {self.modem.state.value} (signal {signal}); "
            f"{counts.get('replies_sent', 0)} replies sent, "
            f"{counts.get('messages_new', 0)} to answer, "
            f"{counts.get('replies_pending', 0)} to send"
        )

    def _on_modem_state(self, state: ModemState, detail: str) -> None:
        self._notifier.status(f"modem {state.value}: {detail}")
        self._wake.set()
        self._attention.set()

    # -- receiving (modem thread) ----------------------------------------------------------------

    def _on_message(self, incoming: Incoming) -> None:
        """Store before the modem deletes; raising keeps the message in the modem."""
        fresh = self.store.receive(incoming)
        if incoming.error:
            log.warning(
                "kept an undecodable SMS from %s: %s", incoming.sender or "?", incoming.error
            )
        elif fresh:
            part = f" (part {incoming.part.number}/{incoming.part.total})" if incoming.part else ""
            log.info("received from %s%s", incoming.sender, part)
        else:
            log.info("ignored a re-delivered SMS from %s", incoming.sender)
        self._wake.set()

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
                if self.modem.state is ModemState.READY:
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
            None if self._capped else self.store.next_reply_at(),  # capped: nothing to send
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
            with self._lock:
                self._messages_in_flight.add(message.id)
                self._senders_in_flight[message.sender] += 1
            self._workers.submit(self._answer, message, settings)

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
        for reply in self.store.due_replies(now, limit=min(room, 500)):
            with self._lock:
                if reply.id in self._replies_in_flight:
                    continue
                self._replies_in_flight.add(reply.id)
            future = self.modem.send(
                reply.recipient,
                reply.text,
                reference=reply.concat_ref,
                first_part=reply.parts_sent + 1,
                journal=ReplyJournal(self.store, reply, settings.retry),
            )
            future.add_done_callback(functools.partial(self._sent, reply))

    def _sent(self, reply: Outgoing, _future: concurrent.futures.Future[SendReceipt]) -> None:
        """On the modem thread, after the journal wrote the outcome down: let it go."""
        with self._lock:
            self._replies_in_flight.discard(reply.id)
        self._wake.set()

    # -- lookups (worker threads) --------------------------------------------------------------

    def _answer(self, message: Message, settings: _Settings) -> None:
        try:
            reply, events, note = self._compose(message, settings)
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

    def _compose(self, message: Message, settings: _Settings) -> tuple[str, list[UsageEvent], Note]:
        started = time.monotonic()
        request = parse_message(
            message.text, help_words=settings.help_words, families=settings.families
        )
        composer = settings.composer

        def event(outcome: Outcome, status: str | None = None) -> UsageEvent:
            return UsageEvent(outcome, status, int((time.monotonic() - started) * 1000))

        if request.intent is Intent.UNKNOWN and message.missing_parts:
            # The part with the code never came: "wrong code" would mislead.
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
                # No lookup key is passed: an SMS reply never shows personal data.
                dossier = self._client.lookup(query.code)
            except DossierNotFound:
                answers.append(NotFound(query.code))
                events.append(event(Outcome.NOT_FOUND))
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
