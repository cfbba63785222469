"""Due-diligence reports (智能尽职调查报告) for small-business credit.

`applicant` and `statement` read the inputs; `analysis` computes the facts (each with the
statement rows behind it), `flags` raises red flags, `grade` grades the risk with a small model,
`narrative` writes the text (template, or the large model through the gateway, fact-checked),
`render` makes HTML and PDF, `store` records every report in an append-only audit table.
"""
