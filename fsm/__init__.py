"""The toolchain, by pipeline stage: `spec` (YAML -> model), `rules` (validation), `emit` (firmware tables,
diagrams, Markdown tables), `py15` (the firmware's Python 1.5 subset), `cert` (the certification pack);
`pipeline` ties them into `build.py build` and `check`, `hostmodel` and `modeltest` serve the conformance tests,
`layout` says where the tree's parts are, `findings` and `errors` are what every stage reports; `interpreters`
finds the interpreters the firmware is run under (tests, the certification evidence, benchmarks)."""

__all__: list[str] = []
