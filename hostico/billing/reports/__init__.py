"""The accountant's desk (docs/reports.md): the month's sales journal (jurnal de vânzări), the VAT summary
(the inputs of D300 and D390), the OSS threshold count, and the files an accountant takes away: CSV and XLSX
(`reports/files.py`) and the SAGA C import XML (`reports/saga.py`). Flask-free; nothing here writes."""

from hostico.billing.reports.journal import (
    OSS_THRESHOLD_EUR,
    ColumnKey,
    Journal,
    JournalRow,
    OssStatus,
    VatSummary,
    month_bounds,
    oss_status,
    parse_month,
    sales_journal,
    vat_summary,
)

__all__ = ["OSS_THRESHOLD_EUR", "ColumnKey", "Journal", "JournalRow", "OssStatus", "VatSummary", "month_bounds",
           "oss_status", "parse_month", "sales_journal", "vat_summary"]
