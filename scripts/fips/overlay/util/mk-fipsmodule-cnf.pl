#! /usr/bin/env perl
# Stand-in for OpenSSL's util/mk-fipsmodule-cnf.pl, which the openssl-src crate does not package.
# Written for scripts/fips/fips-test.sh. The real script precomputes the module's integrity MAC
# at build time; we do not: this writes a placeholder that activates nothing, and the script
# then runs the real `openssl fipsinstall` (module self-tests + MAC) to produce fipsmodule.cnf.
use strict;
use warnings;
print "# Placeholder written by scripts/fips/overlay/util/mk-fipsmodule-cnf.pl.\n";
print "# Not usable: run `openssl fipsinstall -module fips.so -out fipsmodule.cnf`.\n";
