"""Lending core, pure part: loan products as data, repayment schedules, APR, allocation.

Everything here is a pure function over plain data (no I/O, no clock): the servicing/COB
layer builds loans, postings and accruals on top of these functions.
"""
