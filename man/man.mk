# SPDX-License-Identifier: GPL-2.0
#
# Manual pages: every man/*.N (N from 1 to 8) is installed into
# $(MANDIR)/manN; tests/suites/40-man.sh checks each with groff.

MAN_PAGES := $(sort $(wildcard man/*.[1-8]))

INSTALL_TARGETS += install-man
UNINSTALL_TARGETS += uninstall-man

.PHONY: install-man uninstall-man

install-man:
	@set -e; for p in $(MAN_PAGES); do \
		s=$${p##*.}; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s; \
		echo "$(INSTALL) -m 644 $$p $(DESTDIR)$(MANDIR)/man$$s/"; \
		$(INSTALL) -m 644 $$p $(DESTDIR)$(MANDIR)/man$$s/; \
	done

uninstall-man:
	@for p in $(MAN_PAGES); do \
		s=$${p##*.}; f=$${p##*/}; \
		rm -f $(DESTDIR)$(MANDIR)/man$$s/$$f; \
	done
