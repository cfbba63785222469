"""AI engine: one gateway for small and large models, PII redaction, audit, embeddings.

Features call `puhui.ai.gateway.open_gateway().run(task, text, caller=...)`; they never talk
to a model server directly. See README "AI gateway".
"""
