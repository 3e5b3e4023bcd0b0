# Thin wrapper: set-up, build, demo and tests. The real build is Meson.
#   make demo   install what is missing, build, and run the main job
#   make test   install what is missing, build with sanitizers, run every test
.PHONY: all deps build build-asan demo test unit lint bench clean

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_VG   ?= build-valgrind

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dbuildtype=release -Dwerror_dev=true

$(BUILD_ASAN)/build.ninja:
	meson setup $(BUILD_ASAN) -Dbuildtype=debug -Db_sanitize=address,undefined \
	    -Db_lundef=false -Dfault_injection=true

$(BUILD_VG)/build.ninja:
	meson setup $(BUILD_VG) -Dbuildtype=debug -Dfault_injection=true

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

build-asan: deps $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)

demo: build
	scripts/demo.sh $(BUILD)

test: deps $(BUILD)/build.ninja $(BUILD_ASAN)/build.ninja $(BUILD_VG)/build.ninja
	ninja -C $(BUILD)
	ninja -C $(BUILD_ASAN)
	ninja -C $(BUILD_VG)
	scripts/run-tests.sh

bench: build
	scripts/run-bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_VG) test-output
