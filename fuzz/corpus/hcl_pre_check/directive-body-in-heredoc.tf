loc-js {
  v = <<EOT
EOT
  text  x v)= "%{ for x in y }${x}${x}= <<EOT
EOT
  text  x v)=%{ endfor}ter"
ormaxx
EOT
}
