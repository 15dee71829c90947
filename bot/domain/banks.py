"""NAPAS member banks: BIN (the six digits VietQR uses) and the short name donors know.

From the NAPAS 247 / VietQR list of participating banks and wallets (the same list the VietQR
bank directory publishes). A BIN that is not here is refused as a setting: a typo would make
every donor's QR code point to nowhere.
"""

from __future__ import annotations

NAPAS_BANKS: dict[str, str] = {
    "970436": "Vietcombank",
    "970415": "VietinBank",
    "970418": "BIDV",
    "970405": "Agribank",
    "970499": "Agribank",
    "970422": "MB Bank",
    "970407": "Techcombank",
    "970416": "ACB",
    "970432": "VPBank",
    "970423": "TPBank",
    "970403": "Sacombank",
    "970441": "VIB",
    "970448": "OCB",
    "970437": "HDBank",
    "970443": "SHB",
    "970425": "ABBANK",
    "970409": "Bac A Bank",
    "970438": "BaoViet Bank",
    "970444": "CB Bank",
    "970446": "Co-opBank",
    "970406": "DongA Bank",
    "970431": "Eximbank",
    "970408": "GPBank",
    "970452": "KienlongBank",
    "970449": "LPBank",
    "970426": "MSB",
    "970428": "Nam A Bank",
    "970419": "NCB",
    "970414": "OceanBank",
    "970430": "PGBank",
    "970412": "PVcomBank",
    "970400": "Saigonbank",
    "970429": "SCB",
    "970440": "SeABank",
    "970424": "Shinhan Bank",
    "970427": "VietABank",
    "970433": "Vietbank",
    "970454": "BVBank",
    "970442": "Hong Leong Bank",
    "970458": "UOB",
    "970457": "Woori Bank",
    "970455": "IBK Hà Nội",
    "970456": "IBK TP.HCM",
    "970410": "Standard Chartered",
    "970439": "Public Bank",
    "970434": "Indovina Bank",
    "970421": "VRB",
    "970462": "Kookmin Hà Nội",
    "970463": "Kookmin TP.HCM",
    "970466": "KEB Hana TP.HCM",
    "970467": "KEB Hana Hà Nội",
    "422589": "CIMB",
    "546034": "Cake by VPBank",
    "546035": "Ubank by VPBank",
    "963388": "Timo",
    "668888": "KBank",
    "801011": "Nonghyup",
}


def bank_short_name(bin_: str) -> str | None:
    return NAPAS_BANKS.get(bin_)
