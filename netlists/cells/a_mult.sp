* Transmission-gate analog multiplier A_MULT with the N2 pull-down (OSA-HCIM, Fig. 2c),
* followed by a sampling switch onto the sampling capacitor.
*
* a_mult  GBL LBL SMP SMPB AOUT CS VDD VSS
*   GBL   analog activation voltage from the DAC (0 .. VDD)
*   LBL   weight bit W read on the Q port (precharged high; stays high for W=1, falls for W=0)
*   AOUT  = V(GBL) when W=1 (T0 on), 0 when W=0 (N2 on)
*   SMP/SMPB  sampling switch: while SMP=1 the capacitor node CS tracks AOUT; when SMP falls CS
*         holds the product so that a charge-sharing switch can connect it to the line while
*         GBL and LBL are released.
*   CS    top of the sampling capacitor cs (value <c_sample>, plain C element: Monte Carlo
*         alters it per instance)
* Sizing (L=65n): inverter of W (mpi 200n / mni 120n) makes Wb for the PMOS of T0 and for N2;
*   T0 NMOS 200n + PMOS 400n (PMOS twice as wide for a flat on-resistance over 0..VDD);
*   N2 200n; sampling TG 200n/200n (small: its charge injection lands on cs).
.subckt a_mult gbl lbl smp smpb aout cs vdd vss
mpi wb lbl vdd vdd {{pmos}} w=200e-9 l=65e-9
mni wb lbl vss vss {{nmos}} w=120e-9 l=65e-9
mt0n gbl lbl aout vss {{nmos}} w=200e-9 l=65e-9
mt0p gbl wb aout vdd {{pmos}} w=400e-9 l=65e-9
mn2 aout wb vss vss {{nmos}} w=200e-9 l=65e-9
msn aout smp cs vss {{nmos}} w=200e-9 l=65e-9
msp aout smpb cs vdd {{pmos}} w=200e-9 l=65e-9
cs cs vss {{c_sample}}
.ends a_mult
