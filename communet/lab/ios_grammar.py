"""Cisco IOS command grammars per mode (keywords abbreviate; see communet.lab.grammar)."""

from __future__ import annotations

from communet.lab.grammar import Grammar

# ------------------------------------------------------------------------------ grammars
_USER_EXEC = """
enable
enable *
disable
exit
logout
quit
terminal length *
terminal width *
terminal monitor
terminal no monitor
show version
show privilege
show clock
show users
show terminal
show history
ping ...
traceroute ...
"""

_PRIV_EXEC = (
    _USER_EXEC
    + """
show running-config
show running-config all
show running-config interface *
show running-config view full
show startup-config
show vlan
show vlan brief
show vlan id *
show interfaces status
show ip interface brief
show archive
configure terminal
configure terminal revert timer *
configure confirm
configure replace *
configure replace * force
configure revert now
configure revert timer *
write
write memory
write terminal
write erase
copy running-config startup-config
copy startup-config running-config
archive config
reload
"""
)

_GLOBAL = """
hostname *
interface *
interface * *
interface range ...
vlan *
line con|console|vty|aux *
line vty * *
router ospf|eigrp|bgp *
router rip
archive
banner motd|login|exec|incoming ...
ip domain-name *
ip domain name *
ip domain-lookup
ip domain lookup
ip default-gateway *
ip route ...
ip name-server ...
ip ssh version *
ip ssh time-out *
ip ssh authentication-retries *
ip http server
ip http secure-server
ip routing
ip access-list standard|extended *
ip dhcp snooping ...
ip dhcp pool *
ip dhcp excluded-address ...
ip scp server enable
ip classless
ip forward-protocol nd
ip cef
ip source-route
ip multicast-routing
ip tftp source-interface *
ip sla ...
enable secret ...
enable password ...
enable algorithm-type md5|sha256|scrypt secret ...
username ...
service ...
logging ...
ntp ...
snmp-server ...
spanning-tree ...
vtp mode|domain|version|password ...
clock timezone ...
clock summer-time ...
aaa ...
mls qos ...
class-map ...
policy-map *
access-list ...
cdp run
cdp log mismatch duplex
lldp run
errdisable ...
crypto ...
login ...
boot ...
system mtu ...
udld ...
version *
alias ...
control-plane
end
exit
"""

_INTERFACE = """
description ...
switchport
switchport mode access|trunk
switchport mode dynamic auto|desirable
switchport access vlan *
switchport trunk allowed vlan *
switchport trunk allowed vlan add|remove|except *
switchport trunk allowed vlan all|none
switchport trunk native vlan *
switchport trunk encapsulation dot1q|isl|negotiate
switchport voice vlan *
switchport nonegotiate
switchport port-security ...
switchport host
spanning-tree portfast
spanning-tree portfast edge|trunk|disable
spanning-tree portfast edge trunk
spanning-tree bpduguard enable|disable
spanning-tree bpdufilter enable|disable
spanning-tree guard root|loop|none
spanning-tree link-type point-to-point|shared
spanning-tree cost *
spanning-tree vlan ...
storm-control broadcast|multicast|unicast level ...
storm-control action shutdown|trap
shutdown
ip address * *
ip address * * secondary
ip address dhcp
ip helper-address *
ip access-group * in|out
ip nat inside|outside
ip virtual-reassembly ...
ip ospf ...
ip mtu *
ip tcp adjust-mss *
ip redirects
ip unreachables
ip proxy-arp
ip dhcp snooping trust
ip dhcp snooping limit rate *
ip dhcp client ...
standby ...
vrrp ...
ip verify ...
ip flow ingress|egress
ip vrf forwarding *
vrf forwarding *
ipv6 ...
speed *
duplex auto|full|half
full-duplex
half-duplex
mtu *
bandwidth *
load-interval *
hold-queue * in|out
channel-group * mode *
service-policy input|output *
mls qos trust dscp|cos|ip-precedence
mls qos trust device cisco-phone
trust device ...
auto qos ...
priority-queue out
srr-queue ...
power inline ...
cdp enable
cdp log mismatch duplex
lldp transmit|receive
keepalive ...
negotiation auto
encapsulation dot1Q *
encapsulation dot1Q * native
media-type *
udld ...
logging event ...
snmp trap ...
carrier-delay ...
authentication ...
dot1x ...
exit
end
"""

SWITCH_ONLY: tuple[str, ...] = ("switchport", "spanning-tree", "storm-control", "mls")
SWITCH_ONLY += ("srr-queue", "priority-queue", "power", "auto", "trust", "ip dhcp snooping")

_VLAN = """
name *
state active|suspend
shutdown
media ethernet
remote-span
exit
end
"""

_LINE = """
exec prompt timestamp
exec-timeout *
exec-timeout * *
login
login local
login authentication *
transport input ...
transport output ...
transport preferred ...
password ...
logging synchronous ...
privilege level *
access-class * in|out ...
history size *
session-timeout *
stopbits *
speed *
length *
width *
exec
authorization ...
accounting ...
ipv6 access-class ...
exit
end
"""

_ROUTER = """
network ...
router-id *
neighbor ...
passive-interface ...
redistribute ...
default-information ...
bgp ...
timers ...
maximum-paths *
auto-summary
area ...
log-adjacency-changes ...
distance ...
version *
exit
end
"""

_ARCHIVE = """
path *
maximum *
write-memory
time-period *
hidekeys
log config
exit
end
"""

_ACL = """
permit ...
deny ...
remark ...
* permit ...
* deny ...
* remark ...
exit
end
"""

_CLASS_MAP = """
match ...
description ...
exit
end
"""

_POLICY_MAP = """
class ...
description ...
exit
end
"""

_POLICY_CLASS = """
priority ...
bandwidth ...
police ...
set ...
shape ...
fair-queue
fair-queue ...
service-policy *
queue-limit ...
random-detect ...
exit
end
"""

_CONTROL_PLANE = """
service-policy input|output *
exit
end
"""

_DHCP_POOL = """
network ...
default-router ...
dns-server ...
lease ...
domain-name *
option ...
exit
end
"""

_GENERIC = """
exit
end
...
"""

GRAMMARS = {
    "user": Grammar(_USER_EXEC),
    "priv": Grammar(_PRIV_EXEC),
    "config": Grammar(_GLOBAL),
    "config-if": Grammar(_INTERFACE),
    "config-if-range": Grammar(_INTERFACE),
    "config-vlan": Grammar(_VLAN),
    "config-line": Grammar(_LINE),
    "config-router": Grammar(_ROUTER),
    "config-archive": Grammar(_ARCHIVE),
    "config-std-nacl": Grammar(_ACL),
    "config-ext-nacl": Grammar(_ACL),
    "config-cmap": Grammar(_CLASS_MAP),
    "config-pmap": Grammar(_POLICY_MAP),
    "config-pmap-c": Grammar(_POLICY_CLASS),
    "config-cp": Grammar(_CONTROL_PLANE),
    "dhcp-config": Grammar(_DHCP_POOL),
}
GENERIC_GRAMMAR = Grammar(_GENERIC)
