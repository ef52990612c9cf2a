* a cell that uses the PDK's model names
.subckt inv in out vdd vss
Mp out in vdd vdd {{pmos}} w=200e-9 l=65e-9
Mn out in vss vss {{nmos}} w=100e-9 l=65e-9
.ends inv
