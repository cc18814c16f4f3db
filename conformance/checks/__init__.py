"""Checks: one module per spec area; each check is a plain async function.

A check is ``async def claim_in_words(ctx: CheckContext) -> None`` decorated with
`conformance.checks.base.check` (which attaches metadata and registers nothing). It passes
by returning, fails by raising `CheckFailed` (use `base.fail` / `base.expect_problem`),
skips by raising `CheckSkipped`. Anything else it raises is reported as `error`.
Profiles (`conformance.profiles`) list the checks explicitly.
"""
