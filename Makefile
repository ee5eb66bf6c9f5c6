# The two commands of the README. Each installs what it needs (scripts/setup.sh) first.
.PHONY: demo test
demo:
	@bash scripts/demo.sh
test:
	@bash scripts/test.sh

# Not part of `make test`: the release build and the performance benchmark (docs "Performance").
.PHONY: bench
bench:
	@bash scripts/bench.sh

# The container image (docs "Deployment"): release build, then podman, FROM scratch.
.PHONY: image
image:
	@bash scripts/image.sh

# A release of the version in Cargo.toml (docs "Releases"): amd64 and arm64 images with
# their OCI labels, a manifest list, and the email trigger's zip.
.PHONY: release
release:
	@bash scripts/release.sh

# The docs book (docs/, mdBook) into target/book, its links checked.
.PHONY: docs
docs:
	@bash scripts/setup.sh docs >/dev/null
	@bash scripts/docs.sh
