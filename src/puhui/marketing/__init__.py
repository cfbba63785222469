"""Precision marketing (精准营销): who takes up a pre-approved line, who does so *because* we
called, and whom to call under a budget for the most incremental profit. See docs/marketing.md.
"""
