"""The reviewers' site of the standard: offline HTML of the OpenAPI documents, the JSON
Schemas, the rule index (with the conformance checks that test each rule) and the
normative texts. `docs/build.py` is the command; `site.build(spec_dir, out_dir)` the API.

Modules: `problems` (warnings, each one fails the build), `links` (where a spec file or rule
ends up in the site), `markdown` (CommonMark with tables, heading ids, rewritten links and
linked `[/rule/ids]`), `rules` (rules.yaml + rules/*.md + the suite's checks), `openapi` and
`schemas` (view models with resolved `$ref`s), `site` (jinja2 pages, static files, and the
final check of every internal link and anchor).
"""
