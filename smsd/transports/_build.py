"""The transport ``[smsd] transport`` names, built from its own sections of the configuration."""

from __future__ import annotations

from hardware.modem import ModemSettings
from onestop.config import Config, ConfigError, ModemSection
from smsd.transports._base import Inbox, Transport, TransportKind
from smsd.transports.kannel import KannelSettings, KannelTransport
from smsd.transports.modem import ModemTransport
from smsd.transports.pool import ModemPool, PoolSim
from smsd.transports.smpp import SmppLink, SmppSettings


def modem_settings(modem: ModemSection) -> ModemSettings:
    """How to drive one modem, from its ``[modem]`` or ``[modem.NAME]`` section."""
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


def build_transport(config: Config, inbox: Inbox) -> Transport:
    """The transport of ``config``; :class:`ConfigError` when its sections are incomplete."""
    problems = config.check()
    if problems:
        raise ConfigError(str(config.path or "(defaults)"), problems)
    kind = TransportKind(config.smsd.transport)
    if kind is TransportKind.MODEM:
        return ModemTransport(modem_settings(config.modem), inbox)
    if kind is TransportKind.MODEM_POOL:
        sims = [
            PoolSim(
                name=name,
                settings=modem_settings(section),
                hourly_cap=section.hourly_cap,
                daily_cap=section.daily_cap,
                number=section.number,
            )
            for name, section in sorted(config.modems.items())
        ]
        return ModemPool(sims, inbox)
    if kind is TransportKind.SMPP:
        smpp = config.smpp
        return SmppLink(
            SmppSettings(
                host=smpp.host,
                port=smpp.port,
                system_id=smpp.system_id,
                password=smpp.password,
                source_addr=smpp.source_addr,
                system_type=smpp.system_type,
                source_ton=smpp.source_ton,
                source_npi=smpp.source_npi,
                submit_rate=smpp.submit_rate,
                window=smpp.window,
                enquire_interval=smpp.enquire_interval,
                delivery_receipts=smpp.delivery_receipts,
            ),
            inbox,
        )
    kannel = config.kannel
    return KannelTransport(
        KannelSettings(
            listen=kannel.address,
            sendsms_url=kannel.sendsms_url,
            username=kannel.username,
            password=kannel.password,
            sender=kannel.default_sender,
        ),
        inbox,
    )
