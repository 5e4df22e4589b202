// The private link carries "#REFERENCE.KEY": fill the form from it and send it. The fragment
// never reaches the server, and the form still works by hand without this script.
(function () {
  var hash = window.location.hash.slice(1).split(".");
  var form = document.getElementById("follow");
  if (!form || hash.length !== 2) return;
  form.elements.reference.value = decodeURIComponent(hash[0]);
  form.elements.follow_key.value = decodeURIComponent(hash[1]);
  history.replaceState(null, "", window.location.pathname);
  form.submit();
})();
