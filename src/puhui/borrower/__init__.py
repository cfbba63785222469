"""The borrower's side: what a signed-in customer may see and do with their own line.

Pure use cases over `puhui.servicing` (no web framework): one-time sign-in codes
(`signin`), the customer-scoped view of lines, loans, quotes, drawdowns and repayments
(`book.Borrower`: every id is checked against the customer), and the messages close of
business writes to borrowers (`messages`), checked by the compliance rules first.
"""

from puhui.borrower.book import Borrower, BorrowQuote, Offer
from puhui.borrower.signin import CodeSender, DemoSender, SignInCodes

__all__ = ["BorrowQuote", "Borrower", "CodeSender", "DemoSender", "Offer", "SignInCodes"]
