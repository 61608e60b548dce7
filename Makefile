.PHONY: run test bench
run:   ## set up and run the server on the embedded defaults
	scripts/run.sh
test:  ## set up and run the whole test suite (starts PostgreSQL)
	scripts/test.sh
bench: ## WebSocket delivery benchmark (see bench/README.md)
	.venv/bin/python bench/ws_load.py
