# Prints the sample sheet of the bundled demo batch (three simulated patients: an MSS pair, an
# MSI-H colorectal pair, a tumor-only sample) for the fixtures directory $1 (absolute paths
# keep it usable from any working directory). Used by scripts/example.sh and scripts/test-hpc.sh.
fx=${1:?usage: demo-samples.sh FIXTURES_DIR}
cat <<CSV
patient,sample,status,bam,cancer_type
P1,P1_N,0,$fx/sim_tn60/normal.bam,
P1,P1_T,1,$fx/sim_tn60/tumor.bam,LUAD
P2,P2_N,0,$fx/sim_msih/normal.bam,
P2,P2_T,1,$fx/sim_msih/tumor.bam,COADREAD
P3,P3_T,1,$fx/sim_p20/tumor.bam,
CSV
