# libFuzzer harnesses for the DICOM parser and pixel decoders (Tests/Fuzz).
#   make fuzz SECONDS=600              run every target for SECONDS each (default 60)
#   make fuzz FUZZ_TARGETS="parser"    run some targets only
#   make fuzz-build                    build the binaries into .build/fuzz
# Crashes are written to .build/fuzz/artifacts/<target>/; corpora grow in .build/fuzz/corpus/<target>/.
SWIFTC        ?= swiftc
SECONDS       ?= 60
FUZZ_TARGETS  ?= parser pixels rle jpeg jpegls jpeg2000 jpegxl
FUZZ_DIR      := .build/fuzz
# Seeds come from the DICOM reference corpus that `make setup` generates.
FUZZ_FIXTURES ?= $(firstword $(wildcard .build/reference/dicom/files))
FUZZ_SAN      := -sanitize=fuzzer,address -parse-as-library -O -g
FUZZ_LINK     := -use-ld=lld
FUZZ_CINC     := -I Sources/CZlib -I Sources/CTurboJPEG -I Sources/COpenJPEG -I Sources/CCharLS -I Sources/CJPEGXL \
                 $(patsubst -I%,-Xcc -I%,$(shell pkg-config --cflags-only-I libopenjp2 charls libturbojpeg libjxl zlib 2>/dev/null))
FUZZ_LIBS     := -lturbojpeg -lopenjp2 -lcharls -ljxl -lz
fuzz_source_parser   := ParserFuzz.swift
fuzz_source_pixels   := PixelFuzz.swift
fuzz_source_rle      := RLEFuzz.swift
fuzz_source_jpeg     := JPEGFuzz.swift
fuzz_source_jpegls   := JPEGLSFuzz.swift
fuzz_source_jpeg2000 := JPEG2000Fuzz.swift
fuzz_source_jpegxl   := JPEGXLFuzz.swift

.PHONY: fuzz fuzz-build

$(FUZZ_DIR)/DICOMCodecs.o: $(wildcard Sources/DICOMCodecs/*.swift)
	@mkdir -p $(FUZZ_DIR)
	$(SWIFTC) $(FUZZ_SAN) -wmo -module-name DICOMCodecs -emit-module -emit-module-path $(FUZZ_DIR)/DICOMCodecs.swiftmodule \
	  $(FUZZ_CINC) -c $^ -o $@

# DICOM writes files through SonoSupport's AtomicFile.
$(FUZZ_DIR)/SonoSupport.o: $(wildcard Sources/SonoSupport/*.swift)
	@mkdir -p $(FUZZ_DIR)
	$(SWIFTC) $(FUZZ_SAN) -wmo -module-name SonoSupport -emit-module -emit-module-path $(FUZZ_DIR)/SonoSupport.swiftmodule -c $^ -o $@

$(FUZZ_DIR)/DICOM.o: $(wildcard Sources/DICOM/*.swift) $(FUZZ_DIR)/DICOMCodecs.o $(FUZZ_DIR)/SonoSupport.o
	$(SWIFTC) $(FUZZ_SAN) -wmo -module-name DICOM -emit-module -emit-module-path $(FUZZ_DIR)/DICOM.swiftmodule \
	  -I $(FUZZ_DIR) $(FUZZ_CINC) -c $(wildcard Sources/DICOM/*.swift) -o $@

$(FUZZ_DIR)/fuzz_%: Tests/Fuzz/*.swift $(FUZZ_DIR)/DICOM.o $(FUZZ_DIR)/DICOMCodecs.o $(FUZZ_DIR)/SonoSupport.o
	$(SWIFTC) $(FUZZ_SAN) -module-name Fuzz_$* -I $(FUZZ_DIR) $(FUZZ_CINC) Tests/Fuzz/$(fuzz_source_$*) \
	  $(FUZZ_DIR)/DICOM.o $(FUZZ_DIR)/DICOMCodecs.o $(FUZZ_DIR)/SonoSupport.o $(FUZZ_LIBS) $(FUZZ_LINK) -o $@

fuzz-build: $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))

# Every target runs its full time even when another one failed; the exit status reports any failure.
fuzz: fuzz-build
	@if [ -n "$(FUZZ_FIXTURES)" ] && [ ! -d $(FUZZ_DIR)/seeds ]; then python3 Tests/Fuzz/extract_seeds.py $(FUZZ_FIXTURES) $(FUZZ_DIR)/seeds || true; fi
	@# The reference corpus has no JPEG XL: its seeds are encoded with cjxl, once.
	@if [ -z "$$(ls -A $(FUZZ_DIR)/seeds/jpegxl 2>/dev/null)" ]; then python3 Tests/Fuzz/jxl_seeds.py $(FUZZ_DIR)/seeds/jpegxl || true; fi
	@failed=""; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts/$$t $(FUZZ_DIR)/seeds/$$t; \
	  echo "== fuzz_$$t for $(SECONDS) s (log: $(FUZZ_DIR)/fuzz_$$t.log)"; \
	  $(FUZZ_DIR)/fuzz_$$t $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/seeds/$$t -max_total_time=$(SECONDS) -rss_limit_mb=2048 \
	    -malloc_limit_mb=1024 -timeout=20 -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t/ \
	    > $(FUZZ_DIR)/fuzz_$$t.log 2>&1 || failed="$$failed $$t"; \
	  grep -E '^(INFO: seed corpus|stat::number_of_executed_units|stat::new_units_added|SUMMARY|artifact_prefix|Test unit written)' $(FUZZ_DIR)/fuzz_$$t.log; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: findings in:$$failed (see $(FUZZ_DIR)/artifacts)"; exit 1; fi
