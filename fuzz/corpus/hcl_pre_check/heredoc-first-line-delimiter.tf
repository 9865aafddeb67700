loc-js {
  v = <<EOT
EOT'{xxx:::::::xxxxxxxxxx#xxxxxxxxx
EOTxxxx
*/xxxxxxxxxxxxx
EOT
}
