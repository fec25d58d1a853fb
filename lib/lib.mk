# SPDX-License-Identifier: GPL-2.0
# libdamonrec: shared and static library, pkg-config file, sanitizer build
# for the unit tests.  Every lib/*.c is part of the library.  Everything is
# built under $(BUILD), which "make clean" removes, so CLEAN_FILES has
# nothing to add.
#
#   make lib              $(BUILD)/lib/libdamonrec.{so*,a,pc}
#   make unit-tests       the C unit tests, plain and ASan+UBSan
#   make install-lib      library, damonrec.h, linux/damon_rec.h, .pc file

LIB_NAME := libdamonrec
LIB_SONAME := $(LIB_NAME).so.$(LIB_SOVERSION)
LIB_SO := $(BUILD)/lib/$(LIB_NAME).so.$(VERSION)
LIB_SO_LINKS := $(BUILD)/lib/$(LIB_SONAME) $(BUILD)/lib/$(LIB_NAME).so
LIB_A := $(BUILD)/lib/$(LIB_NAME).a
LIB_PC := $(BUILD)/lib/$(LIB_NAME).pc
LIB_MAP := lib/libdamonrec.map
# The devices' uAPI headers (damon_rec.h, damon_dyndbg.h), installed as
# <linux/...> beside damonrec.h.
UAPI_HDRS := $(sort $(wildcard include/uapi/linux/*.h))

LIB_SRCS = $(wildcard lib/*.c)
LIB_OBJS = $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
LIB_SAN_OBJS = $(patsubst lib/%.c,$(BUILD)/asan/lib/%.o,$(LIB_SRCS))
LIB_SAN_A := $(BUILD)/asan/lib/$(LIB_NAME).a

LIB_CPPFLAGS = $(CPPFLAGS) -DDAMONREC_BUILD -DDAMONREC_VERSION='"$(VERSION)"'
LIB_CFLAGS = $(EXTRA_CFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden
# Libraries the library needs; other parts may append (e.g. for device.c).
# zlib reads and writes damo's json_compressed records.
LIB_LDLIBS += -lz -pthread
DEB_PACKAGES += zlib1g-dev

ALL_TARGETS += $(LIB_SO) $(LIB_SO_LINKS) $(LIB_A) $(LIB_PC)
INSTALL_TARGETS += install-lib
UNINSTALL_TARGETS += uninstall-lib

.PHONY: lib install-lib uninstall-lib
lib: $(LIB_SO) $(LIB_SO_LINKS) $(LIB_A) $(LIB_PC)

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(LIB_CPPFLAGS) $(LIB_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/asan/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(LIB_CPPFLAGS) $(LIB_CFLAGS) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

$(LIB_SO): $(LIB_OBJS) $(LIB_MAP)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=$(LIB_MAP) -Wl,--no-undefined \
		-o $@ $(LIB_OBJS) $(LIB_LDLIBS)

$(BUILD)/lib/$(LIB_SONAME): $(LIB_SO)
	ln -sf $(notdir $<) $@

$(BUILD)/lib/$(LIB_NAME).so: $(BUILD)/lib/$(LIB_SONAME)
	ln -sf $(notdir $<) $@

$(LIB_A): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIB_SAN_A): $(LIB_SAN_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# The paths in the .pc file are those of this make run (PREFIX, LIBDIR...).
LIB_PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g'

$(LIB_PC): lib/libdamonrec.pc.in mk/config.mk
	@mkdir -p $(@D)
	$(LIB_PC_SED) $< > $@

install-lib: $(LIB_SO) $(LIB_A)
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/linux
	$(INSTALL) -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/$(LIB_NAME).so
	$(INSTALL) -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	$(LIB_PC_SED) lib/libdamonrec.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/$(LIB_NAME).pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/$(LIB_NAME).pc
	$(INSTALL) -m 0644 lib/damonrec.h $(DESTDIR)$(INCLUDEDIR)/damonrec.h
	$(INSTALL) -m 0644 $(UAPI_HDRS) $(DESTDIR)$(INCLUDEDIR)/linux/

uninstall-lib:
	rm -f $(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO)) \
	      $(DESTDIR)$(LIBDIR)/$(LIB_SONAME) \
	      $(DESTDIR)$(LIBDIR)/$(LIB_NAME).so \
	      $(DESTDIR)$(LIBDIR)/$(LIB_NAME).a \
	      $(DESTDIR)$(PKGCONFIGDIR)/$(LIB_NAME).pc \
	      $(DESTDIR)$(INCLUDEDIR)/damonrec.h \
	      $(addprefix $(DESTDIR)$(INCLUDEDIR)/linux/,$(notdir $(UAPI_HDRS)))

-include $(wildcard $(BUILD)/lib/*.d $(BUILD)/asan/lib/*.d)

include tests/unit/unit.mk
