#! /usr/bin/env perl
# Minimal stand-in for OpenSSL's util/mkdef.pl, which the openssl-src crate does not package.
# Written for scripts/fips/fips-test.sh; only handles what a Linux module build asks for:
#   mkdef.pl [--version V] --type dso|lib --ordinals FILE.num --name NAME --OS linux
# and prints a GNU ld version script exporting the symbols listed in the ordinals file.
use strict;
use warnings;
use Getopt::Long;

my ($ordinals, $name, $os, $type, $version);
GetOptions('ordinals=s' => \$ordinals, 'name=s' => \$name, 'OS=s' => \$os,
           'type=s' => \$type, 'version=s' => \$version)
    or die "mkdef.pl (stand-in): bad arguments\n";
die "mkdef.pl (stand-in): --ordinals is required\n" unless $ordinals;
die "mkdef.pl (stand-in): only Linux/ELF is supported, not ", ($os // '?'), "\n"
    unless ($os // 'linux') =~ /^(linux|elf|.*linux.*)$/i;

open my $fh, '<', $ordinals or die "mkdef.pl (stand-in): $ordinals: $!\n";
my @symbols;
while (<$fh>) {
    next if /^\s*(#|$)/;
    my ($symbol, undef, undef, $info) = split /\s+/;
    next unless defined $info && $info =~ /^EXIST:/;
    push @symbols, $symbol;
}
close $fh;
die "mkdef.pl (stand-in): no symbols in $ordinals\n" unless @symbols;

print "{\n    global:\n";
print "        $_;\n" for @symbols;
print "    local: *;\n};\n";
