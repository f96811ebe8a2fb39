"""How particular modem models answer, so that tests meet the quirks of the hardware on site.

2G is switched off in Vietnam (3G follows by 2028): the 4G models (Quectel EC25, Huawei
E3372 in stick mode, SIMCom SIM7600 on a Raspberry Pi HAT) are the ones to deploy; the
2G-only SIM800 stays for the bench and for old installations' tests.

The answers come from captures of real devices (identification strings, storage lists,
vendor error wording, unsolicited noise). A profile only describes; the emulator acts on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Profile:
    """What one modem model says and how much it can store."""

    name: str
    manufacturer: str
    model: str
    revision: str
    imei: str = "356938035643809"
    imsi: str = "452040123456789"
    storages: tuple[str, ...] = ("SM", "ME")
    """Message memories, first one the default; ``AT+CPMS=?`` lists these plus "MT"."""
    capacity: dict[str, int] = field(default_factory=lambda: {"SM": 30, "ME": 100})
    first_index: int = 1
    unsupported: str = "ERROR"
    """The final line for a command the firmware does not know."""
    clac: tuple[str, ...] | None = None
    """Lines of the ``AT+CLAC`` answer, or None when the model rejects the command."""
    cpin_ok: bool = True
    """False for firmware that ends ``+CPIN: READY`` without a final OK (old Wavecom)."""
    boot_lines: tuple[str, ...] = ()
    """Unsolicited lines after power-up or ``AT+CFUN=1,1``."""
    noise: tuple[str, ...] = ()
    """Unsolicited status lines the model sends now and then (signal, mode)."""
    storage_full: str = ""
    """The unsolicited line announcing that message storage is full."""
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Exact commands with model-specific answers (info lines, final line last)."""


_HUAWEI_CLAC = (
    "+CLAC:&C,&D,&E,&F,&S,&V,&W,E,I,L,M,Q,V,X,Z,T,P,D,A,H,O,S0,S2,S3,S4,S5,S6,S7,S8,S9,S10,"
    "+CGMI,+CGMM,+CGMR,+CGSN,+CIMI,+CSCS,+CMEE,+CMGF,+CSCA,+CSMP,+CSQ,+CPIN,+CPMS,+CNMI,+CMGL,"
    "+CMGR,+CMGS,+CMGD,+CNMA,+COPS,+CREG,+CLIP,+CRC,+CVHU,+CFUN,+CLAC,^CURC,^SYSINFO,^SYSCFG,"
    "^BOOT,^RSSI,^HS,^DTMF,^CVOICE,^USSDMODE",
)

PROFILES: dict[str, Profile] = {
    "generic": Profile(
        name="generic",
        manufacturer="Generic",
        model="GSM MODEM",
        revision="1.0",
    ),
    "huawei-e173": Profile(
        name="huawei-e173",
        manufacturer="huawei",
        model="E173",
        revision="11.126.85.00.209",
        storages=("SM",),
        capacity={"SM": 20},
        first_index=0,
        unsupported="COMMAND NOT SUPPORT",
        clac=_HUAWEI_CLAC,
        boot_lines=("^BOOT:20496099,0,0,0,72", "^SRVST:2"),
        noise=("^RSSI:17", "^MODE:5,4", "^BOOT:20496099,0,0,0,72"),
        storage_full='^SMMEMFULL: "SM"',
        extra={"AT^CURC=0": ("OK",), "AT^USSDMODE=0": ("OK",), "AT^CVOICE=0": ("OK",)},
    ),
    "huawei-e3372": Profile(
        name="huawei-e3372",
        manufacturer="huawei",
        model="E3372",
        revision="22.315.01.00.00",
        storages=("SM", "ME"),
        capacity={"SM": 50, "ME": 500},
        first_index=0,
        unsupported="COMMAND NOT SUPPORT",
        clac=_HUAWEI_CLAC,
        boot_lines=("^SRVST:1", "^SIMST:1", "^SYSSTART"),
        noise=("^RSSI:22", '^HCSQ:"LTE",55,43,140,30', "^MODE:7,6"),
        storage_full='^SMMEMFULL: "SM"',
        extra={"AT^CURC=0": ("OK",), "AT^USSDMODE=0": ("OK",), "AT^CVOICE=0": ("OK",)},
    ),
    "simcom-sim7600": Profile(
        name="simcom-sim7600",
        manufacturer="SIMCOM INCORPORATED",
        model="SIMCOM_SIM7600E-H",
        revision="LE11B14SIM7600M22",
        imei="862499040123456",
        storages=("SM", "ME"),
        capacity={"SM": 50, "ME": 255},
        first_index=0,
        boot_lines=("RDY", "+CPIN: READY", "SMS DONE", "PB DONE"),
        noise=("+CSQ: 21,99",),
        storage_full='+CIEV: "SMSFULL"',
        extra={"AT+CSCLK=0": ("OK",), "AT+CNMP?": ("+CNMP: 2", "OK")},
    ),
    "sim800": Profile(
        name="sim800",
        manufacturer="SIMCOM_Ltd",
        model="SIMCOM_SIM800",
        revision="Revision:1308B04SIM800M32",
        imei="861311008014876",
        storages=("SM", "ME"),
        capacity={"SM": 30, "ME": 50},
        first_index=1,
        boot_lines=("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"),
        noise=('+CIEV: 10,"45204","Viettel","Viettel", 0, 0',),
        storage_full='+CIEV: "SMSFULL"',
        extra={"AT+DDET=1": ("OK",)},
    ),
    "quectel-ec25": Profile(
        name="quectel-ec25",
        manufacturer="Quectel",
        model="EC25",
        revision="EC25EFAR06A06M4G",
        imei="866758041234567",
        storages=("ME", "SM"),
        capacity={"ME": 255, "SM": 50},
        first_index=0,
        boot_lines=("RDY", "+CFUN: 1", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE"),
        noise=('+QIND: "csq",25,99',),
        storage_full='+QIND: "smsfull","ME"',
        extra={'AT+QURCCFG="urcport","usbat"': ("OK",)},
    ),
}
"""Every profile by name; ``generic`` is the default."""
